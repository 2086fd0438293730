// How the console shows times: in the browser's own locale and zone.
export const when = (s: string) => new Date(s).toLocaleString()
