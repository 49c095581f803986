/** Keeps a choice of this browser's (language, the «API» tab's Asterisk) where the server reads it with each request. */
export function keepChoice(name: string, value: string, maxAgeSeconds: number): void {
  document.cookie = `${name}=${encodeURIComponent(value)}; path=/; max-age=${maxAgeSeconds}; samesite=lax`;
}
