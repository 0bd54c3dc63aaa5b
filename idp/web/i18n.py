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
