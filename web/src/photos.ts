// Photos from the phone's camera: shrunk to a JPEG of at most 1600 px (a
// camera's 4 MB picture is too slow on a weak signal), uploaded with POST
// /api/photos as raw bytes. The server takes image/jpeg and image/png only.
export interface PickedPhoto {
  id: string
  url: string // object URL for the thumbnail
  blob: Blob
  sha256?: string
  uploading?: boolean
}

const MAX_SIDE = 1600

export async function preparePhoto(file: File): Promise<Blob> {
  try {
    const bmp = await createImageBitmap(file)
    const scale = Math.min(1, MAX_SIDE / Math.max(bmp.width, bmp.height))
    if (scale === 1 && file.size <= 1024 * 1024 && (file.type === 'image/jpeg' || file.type === 'image/png')) {
      bmp.close?.()
      return file
    }
    const w = Math.round(bmp.width * scale)
    const h = Math.round(bmp.height * scale)
    const canvas = document.createElement('canvas')
    canvas.width = w
    canvas.height = h
    const ctx = canvas.getContext('2d')
    if (!ctx) throw new Error('no canvas')
    ctx.drawImage(bmp, 0, 0, w, h)
    bmp.close?.()
    const out = await new Promise<Blob | null>((res) => canvas.toBlob(res, 'image/jpeg', 0.82))
    if (!out) throw new Error('encode failed')
    return out
  } catch {
    if (file.type === 'image/jpeg' || file.type === 'image/png') return file
    throw new Error('unreadable')
  }
}

let seq = 0
export function photoId(): string {
  return Date.now().toString(36) + '-' + (++seq).toString(36) + '-' + Math.random().toString(36).slice(2, 8)
}
