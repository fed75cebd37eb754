import { createApp } from 'vue'
import App from './App.vue'
import { router } from './router'
import { startQueue } from './offline'
import './styles.css'
import './phone.css'

createApp(App).use(router).mount('#app')
// The courier's offline queue: flushed on app start and on every 'online' event.
startQueue()

// The service worker (dist/sw.js, written by scripts/sw.mjs) lets the phone
// pages open with no signal. Only in the built app and in a secure context.
if (import.meta.env.PROD && 'serviceWorker' in navigator) {
  window.addEventListener('load', () => {
    navigator.serviceWorker.register('/sw.js').catch(() => undefined)
  })
}
