// Passkeys (WebAuthn Level 3) on the login page and the security page.
// The server sends options as JSON (base64url for binary fields); this script turns them into
// what navigator.credentials expects, runs the ceremony and posts the result in an ordinary
// form, so every outcome is a page the server renders. No inline script (the pages' CSP).
(function () {
  "use strict";

  function toBytes(value) {
    var b64 = value.replace(/-/g, "+").replace(/_/g, "/");
    b64 += "===".slice((b64.length + 3) % 4);
    var raw = atob(b64), out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out.buffer;
  }

  function toText(buffer) {
    if (!buffer) return null;
    var bytes = new Uint8Array(buffer), raw = "";
    for (var i = 0; i < bytes.length; i++) raw += String.fromCharCode(bytes[i]);
    return btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function descriptors(list) {
    return (list || []).map(function (d) {
      return Object.assign({}, d, { id: toBytes(d.id) });
    });
  }

  function requestOptions(o) {
    return Object.assign({}, o, { challenge: toBytes(o.challenge),
                                  allowCredentials: descriptors(o.allowCredentials) });
  }

  function creationOptions(o) {
    return Object.assign({}, o, { challenge: toBytes(o.challenge),
                                  user: Object.assign({}, o.user, { id: toBytes(o.user.id) }),
                                  excludeCredentials: descriptors(o.excludeCredentials) });
  }

  // PublicKeyCredential → the JSON shape of WebAuthn L3 §5.1 toJSON().
  function credentialJSON(c) {
    var r = c.response, response = { clientDataJSON: toText(r.clientDataJSON) };
    if (r.attestationObject) {
      response.attestationObject = toText(r.attestationObject);
      response.transports = r.getTransports ? r.getTransports() : [];
    } else {
      response.authenticatorData = toText(r.authenticatorData);
      response.signature = toText(r.signature);
      response.userHandle = toText(r.userHandle);
    }
    return JSON.stringify({ id: c.id, rawId: toText(c.rawId), type: c.type, response: response,
                            authenticatorAttachment: c.authenticatorAttachment || null,
                            clientExtensionResults: c.getClientExtensionResults() });
  }

  function csrf(form) {
    return form.querySelector('input[name="csrf_token"]').value;
  }

  function fetchOptions(box, form, body) {
    return fetch(box.dataset.optionsUrl, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf(form) },
      body: JSON.stringify(body || {})
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok || !data.publicKey) {
          throw new Error(data.error_description || box.dataset.msgFailed);
        }
        return data;
      });
    });
  }

  function showError(box, message) {
    var p = box.querySelector("[data-passkey-error]");
    p.textContent = message;
    p.hidden = false;
  }

  function submit(form, ceremony, credential) {
    form.querySelector('input[name="ceremony"]').value = ceremony;
    form.querySelector('input[name="credential"]').value = credentialJSON(credential);
    form.submit();
  }

  function failure(box, error) {
    if (error && error.name === "AbortError") return;  // our own abort (the button was used)
    if (error && error.name === "NotAllowedError") return showError(box, box.dataset.msgCancelled);
    if (error && error.name === "InvalidStateError" && box.dataset.msgExists) {
      return showError(box, box.dataset.msgExists);  // excludeCredentials: already registered
    }
    // Our own errors (from the options request) carry the server's words.
    showError(box, error && error.name === "Error" && error.message ? error.message
              : box.dataset.msgFailed);
  }

  function setUpLogin(box) {
    var form = box.querySelector("[data-passkey-form]");
    var interaction = form.querySelector('input[name="interaction"]').value;
    var pending = null;  // the conditional request, aborted when the button is used

    function run(mediation) {
      if (pending) pending.abort();
      var controller = new AbortController();
      pending = controller;
      return fetchOptions(box, form, { interaction: interaction }).then(function (data) {
        var request = { publicKey: requestOptions(data.publicKey), signal: controller.signal };
        if (mediation) request.mediation = mediation;
        return navigator.credentials.get(request).then(function (credential) {
          if (credential) submit(form, data.ceremony, credential);
        });
      });
    }

    box.hidden = false;
    box.querySelector("[data-passkey-button]").addEventListener("click", function () {
      box.querySelector("[data-passkey-error]").hidden = true;
      run(null).catch(function (error) { failure(box, error); });
    });
    // Conditional UI (WebAuthn L3 §5.1.4.1): passkeys offered in the email field's autofill.
    var email = document.querySelector('input[type="email"], input[name="email"]');
    if (email && !/\bwebauthn\b/.test(email.getAttribute("autocomplete") || "")) {
      email.setAttribute("autocomplete", "username webauthn");
    }
    if (email && PublicKeyCredential.isConditionalMediationAvailable) {
      PublicKeyCredential.isConditionalMediationAvailable().then(function (available) {
        if (available) {
          // Autofill is an offer, not a request: its failures stay quiet (the button speaks).
          run("conditional").catch(function () {});
        }
      });
    }
  }

  function setUpRegister(box) {
    var form = box.querySelector("[data-passkey-form]");
    box.hidden = false;
    var note = document.querySelector("[data-passkey-unsupported]");
    if (note) note.hidden = true;
    box.querySelector("[data-passkey-button]").addEventListener("click", function () {
      box.querySelector("[data-passkey-error]").hidden = true;
      fetchOptions(box, form, {}).then(function (data) {
        return navigator.credentials.create({ publicKey: creationOptions(data.publicKey) })
          .then(function (credential) { if (credential) submit(form, data.ceremony, credential); });
      }).catch(function (error) { failure(box, error); });
    });
  }

  if (!window.PublicKeyCredential || !navigator.credentials) return;
  document.querySelectorAll("[data-passkey-login]").forEach(setUpLogin);
  document.querySelectorAll("[data-passkey-register]").forEach(setUpRegister);
})();
