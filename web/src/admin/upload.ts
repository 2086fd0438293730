// A resumable upload straight to storage: createUpload gives presigned
// URLs for the parts, the browser PUTs each part to the object store (the
// bytes never pass through the API server), completeUpload assembles them.
// Pausing aborts the part in flight; resuming asks resumeUpload for fresh
// URLs of the parts not yet received. The session is remembered by the
// file's name, size and modification time, so choosing the same file
// again after a page reload resumes where it stopped.
import { api } from './session'
import { CompleteUpload, CreateUpload, ResumeUpload } from './ops'
import type { MediaPurpose } from '@/gql/graphql'

interface Part {
  number: number
  url: string
  size: number
}

export type UploadState = 'idle' | 'uploading' | 'paused' | 'completing' | 'done' | 'failed'

function rememberKey(f: File) {
  return `zhdj.upload.${f.name}:${f.size}:${f.lastModified}`
}

export class ResumableUpload {
  readonly file: File
  readonly purpose: MediaPurpose
  mediaId = ''
  state: UploadState = 'idle'
  sent = 0 // bytes the store has, of file.size
  inFlight = 0 // bytes of the part being sent that have gone out
  private partSize = 0
  private parts: Part[] = []
  private xhr: XMLHttpRequest | null = null
  private onChange: (u: ResumableUpload) => void

  constructor(file: File, purpose: MediaPurpose, onChange: (u: ResumableUpload) => void) {
    this.file = file
    this.purpose = purpose
    this.onChange = onChange
  }

  // resumable says whether this file has an unfinished session from before.
  get resumable(): boolean {
    return !!localStorage.getItem(rememberKey(this.file))
  }

  // start begins, or resumes, and runs until done, paused or failed.
  async start(): Promise<void> {
    this.state = 'uploading'
    this.changed()
    try {
      const remembered = localStorage.getItem(rememberKey(this.file))
      if (this.mediaId || remembered) {
        this.mediaId = this.mediaId || remembered!
        try {
          this.session((await api.request(ResumeUpload, { id: this.mediaId })).resumeUpload)
        } catch (e) {
          // The old session is gone (aborted, expired, finished): start anew.
          if (this.mediaId !== remembered) throw e
          localStorage.removeItem(rememberKey(this.file))
          this.mediaId = ''
        }
      }
      if (!this.mediaId) {
        const s = (await api.request(CreateUpload, {
          in: { filename: this.file.name, purpose: this.purpose, size: this.file.size, contentType: this.file.type || null },
        })).createUpload
        this.mediaId = s.media.id
        localStorage.setItem(rememberKey(this.file), this.mediaId)
        this.session(s)
      }
      while (this.parts.length > 0) {
        if (this.state !== 'uploading') return
        const p = this.parts[0]
        await this.put(p)
        this.parts.shift()
        this.sent += p.size
        this.inFlight = 0
        this.changed()
      }
      this.state = 'completing'
      this.changed()
      await api.request(CompleteUpload, { id: this.mediaId })
      localStorage.removeItem(rememberKey(this.file))
      this.state = 'done'
      this.changed()
    } catch (e) {
      if ((this.state as UploadState) === 'paused') return
      this.state = 'failed'
      this.changed()
      throw e
    }
  }

  pause() {
    if (this.state !== 'uploading') return
    this.state = 'paused'
    this.xhr?.abort()
    this.inFlight = 0
    this.changed()
  }

  // percent is how much of the file has gone up, 0–100.
  get percent(): number {
    return this.file.size ? Math.min(100, Math.floor(((this.sent + this.inFlight) * 100) / this.file.size)) : 100
  }

  private session(s: { partSize: number; parts: Part[]; uploadedParts: number[] }) {
    this.partSize = s.partSize
    this.parts = [...s.parts].sort((a, b) => a.number - b.number)
    this.sent = this.file.size - this.parts.reduce((n, p) => n + p.size, 0)
    this.changed()
  }

  // put sends one part with XMLHttpRequest, which reports upload progress.
  private put(p: Part): Promise<void> {
    const start = (p.number - 1) * this.partSize
    const blob = this.file.slice(start, start + p.size)
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest()
      this.xhr = xhr
      xhr.open('PUT', p.url)
      xhr.upload.onprogress = (ev) => {
        this.inFlight = ev.loaded
        this.changed()
      }
      xhr.onload = () => (xhr.status >= 200 && xhr.status < 300 ? resolve() : reject(new Error(`storage answered ${xhr.status} for part ${p.number}`)))
      xhr.onerror = () => reject(new Error(`part ${p.number} could not be sent`))
      xhr.onabort = () => reject(new Error('paused'))
      xhr.send(blob)
    })
  }

  private changed() {
    this.onChange(this)
  }
}
