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
# The people pages, the switcher and the navigation (issue 13 items 4 and 5).
_PEOPLE_ID = {
    "%(email)s was removed.": "%(email)s telah dikeluarkan.",
    "Your account": "Akun Anda",
    "Ask an owner of your organisation to change the plan or settle the payment:":
        "Minta pemilik organisasi Anda untuk mengganti paket atau melunasi pembayaran:",
    "Ask an owner or admin of your organisation to change the plan or settle the payment.":
        "Minta pemilik atau admin organisasi Anda untuk mengganti paket atau melunasi "
        "pembayaran.",
    "You manage this organisation: change its plan or settle the payment.":
        "Anda mengelola organisasi ini: ganti paketnya atau lunasi pembayarannya.",
    "Upgrade": "Tingkatkan paket",
    "Back to the members": "Kembali ke anggota",
    "Bad request": "Permintaan tidak valid",
    "Change": "Ubah",
    "Create account and join": "Buat akun dan bergabung",
    "Create your account to accept. Your email is %(email)s.":
        "Buat akun Anda untuk menerima. Email Anda %(email)s.",
    "Every seat of the plan is taken: ask an owner for one.":
        "Semua kursi paket sudah terpakai: minta satu kepada pemilik.",
    "Family name": "Nama belakang",
    "Given name": "Nama depan",
    "Go to your account": "Buka akun Anda",
    "Invitation not valid": "Undangan tidak berlaku",
    "Invitation sent to %(email)s.": "Undangan dikirim ke %(email)s.",
    "Invitation": "Undangan",
    "Invitations": "Undangan",
    "Invite someone": "Undang seseorang",
    "Join %(org)s": "Bergabung dengan %(org)s",
    "Name": "Nama",
    "No free seat: the plan has %(seats)s seats, and members and pending invitations take "
    "them all.": "Tidak ada kursi kosong: paket memiliki %(seats)s kursi, dan semuanya "
                 "terpakai oleh anggota dan undangan yang menunggu.",
    "No pending invitations.": "Tidak ada undangan yang menunggu.",
    "Not allowed": "Tidak diizinkan",
    "Not found": "Tidak ditemukan",
    "Only owners and admins can invite or change members. You can see who is here.":
        "Hanya pemilik dan admin yang dapat mengundang atau mengubah anggota. Anda dapat "
        "melihat siapa saja anggotanya.",
    "Only owners and admins of %(org)s can do this.":
        "Hanya pemilik dan admin %(org)s yang dapat melakukan ini.",
    "Only owners and admins can manage members.":
        "Hanya pemilik dan admin yang dapat mengelola anggota.",
    "Only an owner can make someone an owner.":
        "Hanya pemilik yang dapat menjadikan seseorang pemilik.",
    "Only an owner can change or remove an owner.":
        "Hanya pemilik yang dapat mengubah atau mengeluarkan pemilik.",
    "There is no such member in this organisation.":
        "Tidak ada anggota tersebut di organisasi ini.",
    "There is no such open invitation in this organisation.":
        "Tidak ada undangan terbuka tersebut di organisasi ini.",
    "the last owner cannot be removed or demoted: make another member an owner first":
        "pemilik terakhir tidak dapat dikeluarkan atau diturunkan: jadikan anggota lain "
        "pemilik terlebih dahulu",
    "This invitation is for another email address.":
        "Undangan ini untuk alamat email lain.",
    "That person is already a member.": "Orang tersebut sudah menjadi anggota.",
    "Enter a valid email address.": "Masukkan alamat email yang valid.",
    "Choose a role: owner, admin or member.": "Pilih peran: pemilik, admin, atau anggota.",
    "An account with this email already exists: sign in to accept.":
        "Akun dengan email ini sudah ada: masuk untuk menerima.",
    "This invitation link is not valid. Check that you copied the whole link from the email.":
        "Tautan undangan ini tidak valid. Pastikan Anda menyalin seluruh tautan dari email.",
    "This invitation has already been used.": "Undangan ini sudah digunakan.",
    "This invitation was withdrawn. Ask the person who invited you.":
        "Undangan ini telah ditarik. Tanyakan kepada orang yang mengundang Anda.",
    "This invitation has expired. Ask the person who invited you to send it again.":
        "Undangan ini sudah kedaluwarsa. Minta orang yang mengundang Anda untuk mengirimnya "
        "lagi.",
    "A newer invitation email replaced this one. Use the link in the latest email.":
        "Email undangan yang lebih baru menggantikan yang ini. Gunakan tautan di email "
        "terbaru.",
    "Your session expired or the form was tampered with. Please try again.":
        "Sesi Anda berakhir atau formulir telah diubah. Silakan coba lagi.",
    "Owners": "Pemilik",
    "Password (at least %(n)s characters)": "Kata sandi (minimal %(n)s karakter)",
    "Remove": "Keluarkan",
    "Repeat the password": "Ulangi kata sandi",
    "Resend": "Kirim ulang",
    "Revoke": "Tarik",
    "Role changed.": "Peran diubah.",
    "Send invitation": "Kirim undangan",
    "Sign in to accept": "Masuk untuk menerima",
    "Sign out": "Keluar",
    "Switch": "Ganti",
    "The invitation to %(email)s is saved, but the email could not be sent. Try “Resend” "
    "later.": "Undangan untuk %(email)s tersimpan, tetapi email tidak dapat dikirim. Coba "
              "“Kirim ulang” nanti.",
    "The invitation to %(email)s was withdrawn.": "Undangan untuk %(email)s telah ditarik.",
    "The link in the email works once, for 7 days. A pending invitation holds a seat.":
        "Tautan di email berlaku sekali, selama 7 hari. Undangan yang menunggu memakai satu "
        "kursi.",
    "The organisation has no free seat left. Ask the person who invited you.":
        "Organisasi tidak memiliki kursi kosong. Tanyakan kepada orang yang mengundang Anda.",
    "The password must be at least %(n)s characters.":
        "Kata sandi minimal %(n)s karakter.",
    "The two passwords differ.": "Kedua kata sandi berbeda.",
    "This invitation cannot be used": "Undangan ini tidak dapat digunakan",
    "This invitation is for %(invited)s, but you are signed in as %(me)s. Sign out, then open "
    "the link again.": "Undangan ini untuk %(invited)s, tetapi Anda masuk sebagai %(me)s. "
                       "Keluar, lalu buka tautan itu lagi.",
    "Welcome to %(org)s.": "Selamat datang di %(org)s.",
    "You already have a Tomps account as %(email)s.":
        "Anda sudah memiliki akun Tomps sebagai %(email)s.",
    "You are a %(role)s of this organisation. Owners and admins manage its plan and people.":
        "Anda %(role)s di organisasi ini. Pemilik dan admin mengelola paket dan anggotanya.",
    "You are invited to join %(org)s on Tomps as %(role)s.":
        "Anda diundang bergabung dengan %(org)s di Tomps sebagai %(role)s.",
    "You are not a member of that organisation.": "Anda bukan anggota organisasi itu.",
    "You do not belong to any organisation yet. Ask an owner of your company to invite you.":
        "Anda belum menjadi anggota organisasi mana pun. Minta pemilik perusahaan Anda untuk "
        "mengundang Anda.",
    "Your plan": "Paket Anda",
    "pending until %(date)s": "menunggu hingga %(date)s",
    "you": "Anda",
}
ID.update(_PEOPLE_ID)
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
