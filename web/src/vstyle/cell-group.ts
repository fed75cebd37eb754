// Vant's styles for cell-group without the icon font (blocked by the server's CSP: default-src 'self').
import 'vant/es/style/base.css'
import 'vant/es/cell-group/index.css'
