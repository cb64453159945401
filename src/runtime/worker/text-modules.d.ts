// wrangler's Text module rule (infra/cloudflare/wrangler.toml) imports these as strings.
declare module '*.yaml' {
  const text: string;
  export default text;
}
