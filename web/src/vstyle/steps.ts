// Vant's styles for steps without the icon font (blocked by the server's CSP: default-src 'self').
import 'vant/es/style/base.css'
import 'vant/es/steps/index.css'
