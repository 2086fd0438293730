// The console's languages: messages in one file per language, Chinese
// first; the choice is kept in localStorage and sent to the server
// (Accept-Language) so that its errors come back in the same language.
import { createI18n } from 'vue-i18n'
import zhCN from './zh-CN'
import en from './en'

export const languages = [
  { code: 'zh-CN', label: '中文' },
  { code: 'en', label: 'English' },
] as const
export type Language = (typeof languages)[number]['code']

const saved = localStorage.getItem('zhdj.language')
export const i18n = createI18n({
  legacy: false,
  locale: saved === 'en' ? 'en' : 'zh-CN',
  fallbackLocale: 'zh-CN',
  messages: { 'zh-CN': zhCN, en },
  datetimeFormats: {
    'zh-CN': { short: { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' } },
    en: { short: { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' } },
  },
})

export function setLanguage(l: Language) {
  i18n.global.locale.value = l
  localStorage.setItem('zhdj.language', l)
  document.documentElement.lang = l
}
