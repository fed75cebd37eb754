// Vant's styles for loading without the icon font (blocked by the server's CSP: default-src 'self').
import 'vant/es/style/base.css'
import 'vant/es/loading/index.css'
