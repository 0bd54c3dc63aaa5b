"""English and Bahasa Indonesia for the plan and account pages.

A message catalogue keyed by the English text (a dict, not Flask-Babel: two languages and
a few dozen strings do not justify compiled catalogues). The language comes from
``ui_locales`` (OIDC Core §3.1.2.1: space-separated, in order of preference), then
Accept-Language, then English.
"""

from __future__ import annotations

from flask import has_request_context, request

SUPPORTED = ("en", "id")

ID = {
    "Plans": "Paket",
    "Plan": "Paket",
    "Pricing FAQ": "Tanya jawab harga",
    "Products": "Produk",
    "Limits": "Batas",
    "Price": "Harga",
    "per %(days)s days": "per %(days)s hari",
    "Review": "Tinjau",
    "Review your order": "Tinjau pesanan Anda",
    "Order": "Pesan",
    "Organisation": "Organisasi",
    "Sign in to order this plan.": "Masuk untuk memesan paket ini.",
    "Only an owner or admin of an organisation can order.":
        "Hanya pemilik atau admin organisasi yang dapat memesan.",
    "No plans offer this product.": "Tidak ada paket untuk produk ini.",
    "Account": "Akun",
    "Company information": "Informasi perusahaan",
    "Legal name": "Nama resmi",
    "Tax ID (NPWP)": "NPWP",
    "Address": "Alamat",
    "Country (ISO code, e.g. ID)": "Negara (kode ISO, mis. ID)",
    "Billing email": "Email penagihan",
    "Save": "Simpan",
    "Saved.": "Tersimpan.",
    "Members": "Anggota",
    "Role": "Peran",
    "Email": "Email",
    "Subscription": "Langganan",
    "Status": "Status",
    "Period end": "Akhir periode",
    "Seats used": "Kursi terpakai",
    "No subscription yet.": "Belum ada langganan.",
    "Choose a plan": "Pilih paket",
    "Renewal history": "Riwayat perpanjangan",
    "Start": "Mulai",
    "End": "Selesai",
    "Orders": "Pesanan",
    "Amount": "Jumlah",
    "Order summary": "Ringkasan pesanan",
    "Awaiting payment": "Menunggu pembayaran",
    "Pay this order": "Bayar pesanan ini",
    "Payment reference": "Referensi pembayaran",
    "Pay with Midtrans or by bank transfer quoting the reference %(ref)s. This page "
    "updates itself when the payment is confirmed.":
        "Bayar melalui Midtrans atau transfer bank dengan referensi %(ref)s. Halaman ini "
        "diperbarui otomatis ketika pembayaran dikonfirmasi.",
    "Payment received: your plan is active.": "Pembayaran diterima: paket Anda aktif.",
    "Renew your plan": "Perpanjang paket Anda",
    "Renew": "Perpanjang",
    "Back to the account": "Kembali ke akun",
    "unlimited": "tanpa batas",
    "cancelled": "dibatalkan",
    "awaiting_payment": "menunggu pembayaran",
    "paid": "dibayar",
    "expired": "kedaluwarsa",
    "failed": "gagal",
    "refunded": "dikembalikan",
    "active": "aktif",
    "pending": "menunggu",
    "past_due": "lewat jatuh tempo",
    "new": "baru",
    "renewal": "perpanjangan",
    "owner": "pemilik",
    "admin": "admin",
    "member": "anggota",
    "Please correct the fields marked below.": "Perbaiki isian yang ditandai di bawah.",
    # Passkeys (web/passkeys.py, templates/auth/_passkey.html, account/security.html)
    "Sign in with a passkey": "Masuk dengan passkey",
    "or": "atau",
    "The passkey sign-in was cancelled.": "Masuk dengan passkey dibatalkan.",
    "That passkey could not be verified. Please try again or sign in another way.":
        "Passkey itu tidak dapat diverifikasi. Coba lagi atau masuk dengan cara lain.",
    "The passkey sign-in took too long or was already used. Please try again.":
        "Masuk dengan passkey terlalu lama atau sudah dipakai. Silakan coba lagi.",
    "This passkey sign-in was started in another browser or for another request. "
    "Please try again from this page.":
        "Masuk dengan passkey ini dimulai di browser lain atau untuk permintaan lain. "
        "Silakan coba lagi dari halaman ini.",
    "This passkey is not registered here (it may have been removed). "
    "Please sign in another way.":
        "Passkey ini tidak terdaftar di sini (mungkin sudah dihapus). "
        "Silakan masuk dengan cara lain.",
    "This passkey is locked because it may have been copied. Sign in another way, "
    "remove it from your security page and add a new one.":
        "Passkey ini dikunci karena mungkin telah disalin. Masuk dengan cara lain, hapus "
        "passkey ini dari halaman keamanan Anda, lalu tambahkan yang baru.",
    "Your organisation requires two-step verification. Please sign in with your passkey.":
        "Organisasi Anda mewajibkan verifikasi dua langkah. Silakan masuk dengan passkey Anda.",
    "Too many attempts. Please wait a moment and try again.":
        "Terlalu banyak percobaan. Tunggu sebentar lalu coba lagi.",
    "Bad request": "Permintaan tidak valid",
    "Please sign in again.": "Silakan masuk lagi.",
    "Your session expired or the form was tampered with. Please try again.":
        "Sesi Anda kedaluwarsa atau formulir telah diubah. Silakan coba lagi.",
    "Security": "Keamanan",
    "Security: passkeys and two-step verification":
        "Keamanan: passkey dan verifikasi dua langkah",
    "Two-step verification": "Verifikasi dua langkah",
    "Authenticator app: on.": "Aplikasi autentikator: aktif.",
    "Authenticator app: off.": "Aplikasi autentikator: tidak aktif.",
    "Set up an authenticator app": "Pasang aplikasi autentikator",
    "Your organisation requires two-step verification: an authenticator app or a passkey.":
        "Organisasi Anda mewajibkan verifikasi dua langkah: aplikasi autentikator atau passkey.",
    "Passkeys": "Passkey",
    "A passkey signs you in with your device's screen lock (fingerprint, face or PIN) "
    "instead of a password. It counts as two-step verification and cannot be phished.":
        "Passkey memasukkan Anda dengan kunci layar perangkat (sidik jari, wajah, atau PIN) "
        "tanpa kata sandi. Passkey terhitung sebagai verifikasi dua langkah dan tidak dapat "
        "dicuri lewat phishing.",
    "Name": "Nama",
    "Added": "Ditambahkan",
    "Last used": "Terakhir dipakai",
    "never": "belum pernah",
    "Rename": "Ganti nama",
    "Remove": "Hapus",
    "Locked: it may have been copied. Remove it.":
        "Dikunci: mungkin telah disalin. Hapus passkey ini.",
    "No passkeys yet.": "Belum ada passkey.",
    "Name of the new passkey (e.g. “Work laptop”)":
        "Nama passkey baru (mis. “Laptop kantor”)",
    "Add a passkey": "Tambah passkey",
    "This browser cannot create passkeys.": "Browser ini tidak dapat membuat passkey.",
    "Back": "Kembali",
    "The passkey could not be added. Please try again.":
        "Passkey tidak dapat ditambahkan. Silakan coba lagi.",
    "Adding the passkey was cancelled.": "Penambahan passkey dibatalkan.",
    "Adding the passkey took too long. Please try again.":
        "Penambahan passkey terlalu lama. Silakan coba lagi.",
    "Adding the passkey was started in another browser. Please try again here.":
        "Penambahan passkey dimulai di browser lain. Silakan coba lagi di sini.",
    "This passkey is already registered.": "Passkey ini sudah terdaftar.",
    "You have reached the maximum number of passkeys. Remove one first.":
        "Jumlah passkey Anda sudah maksimum. Hapus salah satu terlebih dahulu.",
    "Your organisation requires two-step verification: you cannot remove your last passkey. "
    "Add another passkey or set up an authenticator app first.":
        "Organisasi Anda mewajibkan verifikasi dua langkah: Anda tidak dapat menghapus passkey "
        "terakhir Anda. Tambahkan passkey lain atau pasang aplikasi autentikator terlebih dahulu.",
    "That passkey no longer exists.": "Passkey itu sudah tidak ada.",
    "Please give the passkey a name.": "Beri nama passkey tersebut.",
    "Passkey “%(name)s” added.": "Passkey “%(name)s” ditambahkan.",
    "Passkey “%(name)s” removed.": "Passkey “%(name)s” dihapus.",
    "For your security, sign in again to add a passkey.":
        "Demi keamanan Anda, masuk lagi untuk menambahkan passkey.",
    "Sign in again": "Masuk lagi",
}
# English needs only the status codes spelled out.
EN = {"awaiting_payment": "awaiting payment", "past_due": "past due"}
CATALOGUES = {"en": EN, "id": ID}


def locale() -> str:
    """The language of this request: ui_locales, then Accept-Language, then English."""
    if not has_request_context():
        return "en"
    for tag in (request.args.get("ui_locales") or "").split()[:10]:
        primary = tag.split("-")[0].lower()
        if primary in SUPPORTED:
            return primary
    return request.accept_languages.best_match(SUPPORTED, default="en")


def translate(text: str, **values) -> str:
    """``text`` in the request's language, with %(name)s placeholders filled."""
    message = CATALOGUES[locale()].get(text, text)
    return message % values if values else message


def gettext(text: str, **values) -> str:
    """gettext's name for :func:`translate`: new code writes ``_("...")`` so that pybabel
    extracts it once the catalogues replace this dictionary."""
    return translate(text, **values)


_ = gettext


def ngettext(singular: str, plural: str, num: int, **values) -> str:
    """The singular or plural form for ``num`` (English plural rule until catalogues land)."""
    values.setdefault("num", num)
    return translate(singular if num == 1 else plural, **values)


def context() -> dict:
    """Template context of the billing and account pages: ``lang`` (the <html lang>)."""
    return {"lang": locale()}
