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
    # Login (email first) and sign-in with the organisation's own provider (federation).
    "Sign in": "Masuk",
    "to continue to": "untuk melanjutkan ke",
    "Password": "Kata sandi",
    "Continue": "Lanjutkan",
    "Continue with your organisation": "Lanjutkan dengan organisasi Anda",
    "Use another email address": "Gunakan alamat email lain",
    "Back to sign-in": "Kembali ke halaman masuk",
    "The email or password is incorrect.": "Email atau kata sandi salah.",
    "Your organisation signs you in with its own identity provider, not with a password "
    "here. Leave the password empty and continue.":
        "Organisasi Anda memasukkan Anda melalui penyedia identitasnya sendiri, bukan dengan "
        "kata sandi di sini. Kosongkan kata sandi lalu lanjutkan.",
    "Sign-in cancelled": "Proses masuk dibatalkan",
    "You cancelled the sign-in at your organisation's identity provider, so you are not "
    "signed in. Start again when you are ready.":
        "Anda membatalkan proses masuk di penyedia identitas organisasi Anda, jadi Anda belum "
        "masuk. Mulai lagi jika sudah siap.",
    "Your organisation's identity provider is unavailable":
        "Penyedia identitas organisasi Anda tidak tersedia",
    "We could not reach your organisation's identity provider, or it did not answer properly. "
    "Please try again in a few minutes; if it goes on, tell your IT department.":
        "Kami tidak dapat menghubungi penyedia identitas organisasi Anda, atau penyedia itu tidak "
        "menjawab dengan benar. Coba lagi dalam beberapa menit; jika terus terjadi, hubungi "
        "bagian TI Anda.",
    "Your organisation's identity provider refused the sign-in":
        "Penyedia identitas organisasi Anda menolak proses masuk",
    "Your organisation's identity provider did not sign you in. Please try again; if it goes "
    "on, tell your IT department.":
        "Penyedia identitas organisasi Anda tidak memasukkan Anda. Coba lagi; jika terus "
        "terjadi, hubungi bagian TI Anda.",
    "The sign-in could not be verified": "Proses masuk tidak dapat diverifikasi",
    "The answer from your organisation's identity provider did not pass our checks, so you "
    "are not signed in. Please try again; if it goes on, tell your IT department.":
        "Jawaban dari penyedia identitas organisasi Anda tidak lolos pemeriksaan kami, jadi "
        "Anda belum masuk. Coba lagi; jika terus terjadi, hubungi bagian TI Anda.",
    "Email address not in your organisation": "Alamat email bukan milik organisasi Anda",
    "The email address your identity provider gave us is not in a domain of your "
    "organisation here, so you are not signed in. Sign in with your work account.":
        "Alamat email dari penyedia identitas Anda tidak berada di domain organisasi Anda di "
        "sini, jadi Anda belum masuk. Masuklah dengan akun kantor Anda.",
    "Email address not verified": "Alamat email belum diverifikasi",
    "Your identity provider says your email address is not verified, so you are not signed "
    "in. Verify it there first.":
        "Penyedia identitas Anda menyatakan alamat email Anda belum diverifikasi, jadi Anda "
        "belum masuk. Verifikasi dulu di sana.",
    "This sign-in link has expired or was already used":
        "Tautan masuk ini sudah kedaluwarsa atau sudah dipakai",
    "Start signing in again from the application, in this browser.":
        "Mulai masuk lagi dari aplikasi, di peramban ini.",
    "No free seat in your organisation": "Tidak ada kursi kosong di organisasi Anda",
    "Your organisation's plan has no free seat for you, so no account was created. Ask an "
    "owner or admin of your organisation to free a seat or change the plan.":
        "Paket organisasi Anda tidak memiliki kursi kosong untuk Anda, jadi tidak ada akun yang "
        "dibuat. Minta pemilik atau admin organisasi Anda mengosongkan kursi atau mengganti paket.",
    "This email belongs to another account": "Email ini milik akun lain",
    "An account with this email address already exists here outside your organisation, so "
    "it was not linked. Ask your organisation's administrator or Tomps support.":
        "Akun dengan alamat email ini sudah ada di sini di luar organisasi Anda, jadi tidak "
        "ditautkan. Hubungi administrator organisasi Anda atau dukungan Tomps.",
    "Account disabled": "Akun dinonaktifkan",
    "This account is disabled. Contact your administrator.":
        "Akun ini dinonaktifkan. Hubungi administrator Anda.",
    "Sign-in with your organisation is not available":
        "Masuk dengan organisasi Anda tidak tersedia",
    "Your organisation's connection changed while you were signing in. Please start again.":
        "Koneksi organisasi Anda berubah saat Anda sedang masuk. Silakan mulai lagi.",
    # The organisation's sign-in pages (account).
    "Sign-in with your identity provider": "Masuk dengan penyedia identitas Anda",
    "Your people can sign in with your company's own OpenID Connect provider (Google "
    "Workspace, Microsoft Entra ID, Okta...). Register this redirect URI there:":
        "Orang-orang Anda dapat masuk dengan penyedia OpenID Connect milik perusahaan Anda "
        "(Google Workspace, Microsoft Entra ID, Okta...). Daftarkan URI pengalihan ini di sana:",
    "Back-channel logout URI (optional):": "URI logout back-channel (opsional):",
    "Active": "Aktif",
    "Waiting for the operator's approval": "Menunggu persetujuan operator",
    "Issuer": "Penerbit (issuer)",
    "Client ID": "ID klien",
    "Client secret": "Rahasia klien",
    "Email domains": "Domain email",
    "not verified yet": "belum diverifikasi",
    "Passwords": "Kata sandi",
    "Not allowed for these domains": "Tidak diizinkan untuk domain ini",
    "Still allowed": "Masih diizinkan",
    "Request a connection": "Minta koneksi",
    "The Tomps operator verifies that these domains are yours before the connection is used.":
        "Operator Tomps memverifikasi bahwa domain ini milik Anda sebelum koneksi digunakan.",
    "Send the request": "Kirim permintaan",
    "Only an owner of the organisation can request a connection.":
        "Hanya pemilik organisasi yang dapat meminta koneksi.",
    "Request sent. The Tomps operator verifies your domains and approves it.":
        "Permintaan terkirim. Operator Tomps memverifikasi domain Anda lalu menyetujuinya.",
    "Sign-ins": "Riwayat masuk",
    "The latest sign-ins of your organisation's members, and the method each used.":
        "Proses masuk terbaru anggota organisasi Anda, dan metode yang dipakai.",
    "When": "Waktu",
    "Method": "Metode",
    "Organisation's identity provider": "Penyedia identitas organisasi",
    "Passkey": "Passkey",
    "Password and code": "Kata sandi dan kode",
    "Other": "Lainnya",
    "No sign-ins yet.": "Belum ada riwayat masuk.",
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
