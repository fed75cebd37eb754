import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import { fileURLToPath, URL } from 'node:url'

// civicare web app. `civicare serve --web-root web/dist` serves the build:
// hashed files under /assets/ are cached for a year, index.html never.
export default defineConfig({
  base: '/',
  plugins: [vue()],
  resolve: { alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) } },
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    emptyOutDir: true,
    target: 'es2020',
    sourcemap: false,
    manifest: true, // dist/.vite/manifest.json: scripts/size.mjs reads the chunks of each view
    chunkSizeWarningLimit: 800,
    rolldownOptions: {
      output: {
        entryFileNames: 'assets/[name]-[hash].js',
        chunkFileNames: 'assets/[name]-[hash].js',
        assetFileNames: 'assets/[name]-[hash][extname]',
      },
    },
  },
  // `npm run dev` against a running `civicare serve` (CIVICARE_API=http://127.0.0.1:PORT)
  server: {
    port: Number(process.env.VITE_PORT || 18610),
    proxy: {
      '/api': process.env.CIVICARE_API || 'http://127.0.0.1:18600',
      '/healthz': process.env.CIVICARE_API || 'http://127.0.0.1:18600',
    },
  },
})
