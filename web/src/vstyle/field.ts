// Vant's styles for field without the icon font (blocked by the server's CSP: default-src 'self').
import 'vant/es/style/base.css'
import 'vant/es/badge/index.css'
import 'vant/es/cell/index.css'
import 'vant/es/field/index.css'
