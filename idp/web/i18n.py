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
    # Checkout and plan changes (issue 13): "Ringkasan Order" and "Menunggu Pembayaran"
    # are the platform's own terms.
    "Order Summary": "Ringkasan Order",
    "Awaiting Payment": "Menunggu Pembayaran",
    "Pay with Midtrans": "Bayar dengan Midtrans",
    "Or pay by bank transfer": "Atau bayar dengan transfer bank",
    "Transfer %(amount)s and quote the payment reference %(ref)s in the transfer's "
    "description. Our finance team confirms the payment, usually within one working day; "
    "this page and your account update themselves then.":
        "Transfer %(amount)s dan cantumkan referensi pembayaran %(ref)s di keterangan "
        "transfer. Tim keuangan kami mengonfirmasi pembayaran, biasanya dalam satu hari "
        "kerja; halaman ini dan akun Anda diperbarui otomatis.",
    "The payment page is not available": "Halaman pembayaran tidak tersedia",
    "The payment gateway did not answer in time. Nothing was charged and your order "
    "%(ref)s is unchanged. Please try again in a moment, or pay by bank transfer.":
        "Gateway pembayaran tidak menjawab tepat waktu. Tidak ada tagihan dan order %(ref)s "
        "tidak berubah. Silakan coba lagi sebentar lagi, atau bayar dengan transfer bank.",
    "Try again": "Coba lagi",
    "Back to the order": "Kembali ke order",
    "Payment received: %(plan)s is active until %(end)s.":
        "Pembayaran diterima: %(plan)s aktif hingga %(end)s.",
    "Payment received.": "Pembayaran diterima.",
    "Waiting for the payment to be confirmed. This page updates itself.":
        "Menunggu konfirmasi pembayaran. Halaman ini diperbarui otomatis.",
    "This order was replaced by a newer one and can no longer be paid.":
        "Order ini digantikan oleh order yang lebih baru dan tidak dapat dibayar lagi.",
    "This order was not paid (%(status)s). Choose a plan to order again.":
        "Order ini tidak dibayar (%(status)s). Pilih paket untuk memesan lagi.",
    "Scheduled: the plan changes to %(plan)s on %(date)s.":
        "Terjadwal: paket berubah menjadi %(plan)s pada %(date)s.",
    "You will lose: %(products)s.": "Anda akan kehilangan: %(products)s.",
    "Cancel the downgrade": "Batalkan penurunan paket",
    "Order %(ref)s for %(plan)s awaits payment (%(amount)s).":
        "Order %(ref)s untuk %(plan)s menunggu pembayaran (%(amount)s).",
    "Pay now": "Bayar sekarang",
    "Resume the plan": "Lanjutkan paket",
    "Change plan": "Ganti paket",
    "Cancel at the period end": "Berhenti di akhir periode",
    "ends on %(date)s": "berakhir pada %(date)s",
    "%(used)s of %(seats)s": "%(used)s dari %(seats)s",
    "Seats": "Kursi",
    "Projects": "Proyek",
    "Assets": "Aset",
    "Storage": "Penyimpanan",
    "%(num)s GB": "%(num)s GB",
    "Kind": "Jenis",
    "Paid": "Dibayar",
    "granted": "diberikan",
    "upgrade": "naik paket",
    "downgrade": "turun paket",
    "superseded": "digantikan",
    "scheduled": "terjadwal",
    "applied": "diterapkan",
    "Upgrade": "Naikkan paket",
    "Downgrade": "Turunkan paket",
    "Choose": "Pilih",
    "Current plan": "Paket saat ini",
    "To pay now": "Dibayar sekarang",
    "Continue to payment": "Lanjut ke pembayaran",
    "Schedule the downgrade": "Jadwalkan penurunan paket",
    "Order for %(org)s instead": "Pesan untuk %(org)s",
    "Cannot order": "Tidak dapat memesan",
    "%(plan)s takes effect as soon as the payment is confirmed. You pay the difference for "
    "the %(days)s days left in your current period; the period end does not change.":
        "%(plan)s berlaku segera setelah pembayaran dikonfirmasi. Anda membayar selisih untuk "
        "%(days)s hari tersisa di periode ini; akhir periode tidak berubah.",
    "Nothing is charged now. Your plan changes to %(plan)s on %(date)s, at the end of the "
    "current period; you can cancel this until then.":
        "Tidak ada tagihan sekarang. Paket Anda berubah menjadi %(plan)s pada %(date)s, di "
        "akhir periode ini; Anda dapat membatalkannya sampai saat itu.",
    "A renewal adds %(days)s days after the current period end (%(date)s).":
        "Perpanjangan menambah %(days)s hari setelah akhir periode ini (%(date)s).",
    "A renewal adds %(days)s days after the current period end.":
        "Perpanjangan menambah %(days)s hari setelah akhir periode ini.",
    "The plan starts as soon as the payment is confirmed.":
        "Paket dimulai segera setelah pembayaran dikonfirmasi.",
    "Your plan will end at the end of the period. You can resume it until then.":
        "Paket Anda berakhir di akhir periode. Anda dapat melanjutkannya sampai saat itu.",
    "Your plan continues.": "Paket Anda berlanjut.",
    "The scheduled downgrade was cancelled.": "Penurunan paket yang dijadwalkan dibatalkan.",
    "There is no subscription to renew; choose a plan instead.":
        "Tidak ada langganan untuk diperpanjang; pilih paket.",
    "The subscription is %(status)s; contact us to settle it first.":
        "Langganan berstatus %(status)s; hubungi kami untuk menyelesaikannya dulu.",
    "The subscription is set to end at the period end; resume it first.":
        "Langganan akan berakhir di akhir periode; lanjutkan dulu.",
    "That plan is priced in another currency; contact us to change.":
        "Paket itu dihargai dalam mata uang lain; hubungi kami untuk menggantinya.",
    "A downgrade is scheduled; cancel it before upgrading.":
        "Penurunan paket sudah dijadwalkan; batalkan dulu sebelum menaikkan paket.",
    "A downgrade to %(plan)s is scheduled; cancel it to keep your current plan.":
        "Penurunan ke %(plan)s sudah dijadwalkan; batalkan untuk mempertahankan paket ini.",
    "No downgrade is scheduled.": "Tidak ada penurunan paket yang dijadwalkan.",
    "%(plan)s has %(seats)s seats and the organisation has %(used)s members: "
    "remove %(num)s member first.":
        "%(plan)s memiliki %(seats)s kursi dan organisasi memiliki %(used)s anggota: "
        "keluarkan %(num)s anggota dulu.",
    "%(plan)s has %(seats)s seats and the organisation has %(used)s members: "
    "remove %(num)s members first.":
        "%(plan)s memiliki %(seats)s kursi dan organisasi memiliki %(used)s anggota: "
        "keluarkan %(num)s anggota dulu.",
    "Order %(ref)s is %(status)s; it cannot be paid.":
        "Order %(ref)s berstatus %(status)s; tidak dapat dibayar.",
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
