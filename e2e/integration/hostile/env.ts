// Read before anything reads the configuration (the first import of every hostile-input file):
// small uploads, a recordings directory of our own, and loopback trusted as our proxy.
export const HOSTILE_RECORDINGS_DIR = (() => {
  const dir = `${process.env.TMPDIR ?? "/tmp"}/hostile-recordings-${process.pid}-${Date.now()}`;
  // Each request names its own source (X-Forwarded-For), as behind a proxy of ours on loopback.
  process.env.TRUSTED_PROXIES = "127.0.0.1, ::1";
  process.env.RECORDINGS_DIR = dir;
  process.env.RECORDING_MAX_BYTES = String(64 * 1024);
  return dir;
})();
