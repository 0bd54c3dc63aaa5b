// OAuth 2.0 Form Post Response Mode: submit the response form (a static file, allowed by CSP).
document.getElementById("form-post").submit();
