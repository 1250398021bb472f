// Credential formats: provider tokens recognised by their documented prefixes and shapes. Each rule names the
// lower-case keywords one of which must appear in the text before its pattern runs (the prefilter), so clean text
// costs a few substring searches, not a regex per rule. Patterns have no nested quantifiers: linear time.

export interface SecretRule {
  /** snake_case and stable: logs (redactions) and scan findings name the rule by it. */
  id: string;
  description: string;
  /** Lower-case; every match, lower-cased, contains one of them. */
  keywords: readonly string[];
  pattern: RegExp;
  /** The capture group that is the secret itself, when the pattern also matches its context (a name, a `=`). */
  secretGroup?: number;
  /** Shannon entropy (bits per character) the secret must reach, for shapes that ordinary words can also take. */
  minEntropy?: number;
}

const rule = (
  id: string,
  description: string,
  keywords: string[],
  pattern: RegExp,
  options: Pick<SecretRule, "secretGroup" | "minEntropy"> = {},
): SecretRule => ({
  id,
  description,
  keywords,
  // g to find every match; d (match indices) to locate the secret's group within a match.
  pattern: new RegExp(
    pattern.source,
    [...new Set(`${pattern.flags}g${options.secretGroup === undefined ? "" : "d"}`)].join(""),
  ),
  ...options,
});

export const SECRET_RULES: readonly SecretRule[] = [
  rule(
    "private_key",
    "PEM private key",
    ["private key-----"],
    /-----BEGIN[ A-Z0-9]{0,30}PRIVATE KEY-----[\s\S]{0,10000}?(?:-----END[ A-Z0-9]{0,30}PRIVATE KEY-----|$)/,
  ),
  rule("jwt", "JSON Web Token", ["eyj"], /\beyJ[\w-]{8,2000}\.eyJ[\w-]{8,8000}\.[\w-]{8,2000}/),
  rule("bearer_token", "Bearer token in text", ["bearer"], /\bBearer[ \t]+[\w\-.~+/]{16,2000}=*/i),
  rule(
    "aws_access_key_id",
    "AWS access key id",
    ["akia", "asia", "abia", "acca"],
    /\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b/,
  ),
  rule(
    "aws_secret_access_key",
    "AWS secret access key",
    ["aws"],
    /\baws[\w.-]{0,20}?(?:secret|key)[\w.-]{0,20}?["']?\s{0,3}[:=]\s{0,3}["']?[A-Za-z0-9/+]{40}\b/i,
  ),
  rule(
    "github_token",
    "GitHub token",
    ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"],
    /\bgh[pousr]_[A-Za-z0-9]{36,255}\b/,
  ),
  rule(
    "github_fine_grained_token",
    "GitHub fine-grained token",
    ["github_pat_"],
    /\bgithub_pat_[A-Za-z0-9_]{40,255}\b/,
  ),
  rule("gitlab_token", "GitLab personal access token", ["glpat-"], /\bglpat-[A-Za-z0-9_-]{20,64}\b/),
  rule("slack_token", "Slack token", ["xox"], /\bxox[abposr]-[A-Za-z0-9-]{10,255}/),
  rule(
    "slack_webhook",
    "Slack incoming webhook",
    ["hooks.slack.com"],
    /https:\/\/hooks\.slack\.com\/services\/[A-Za-z0-9/_-]{20,120}/,
  ),
  rule(
    "stripe_key",
    "Stripe secret or restricted key",
    ["_live_", "_test_"],
    /\b[rs]k_(?:live|test)_[A-Za-z0-9]{16,255}\b/,
  ),
  rule("google_api_key", "Google API key", ["aiza"], /\bAIza[0-9A-Za-z_-]{35}\b/),
  rule("google_oauth_secret", "Google OAuth client secret", ["gocspx-"], /\bGOCSPX-[A-Za-z0-9_-]{28}\b/),
  rule("anthropic_key", "Anthropic API key", ["sk-ant-"], /\bsk-ant-[A-Za-z0-9_-]{20,255}/),
  rule(
    "openai_key",
    "OpenAI API key",
    ["sk-"],
    /\bsk-(?:proj-|svcacct-|admin-)?(?!ant-)[A-Za-z0-9_-]{20,255}/,
  ),
  rule("huggingface_token", "Hugging Face token", ["hf_"], /\bhf_[A-Za-z0-9]{34,40}\b/),
  rule("npm_token", "npm access token", ["npm_"], /\bnpm_[A-Za-z0-9]{36}\b/),
  rule("pypi_token", "PyPI upload token", ["pypi-"], /\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,255}/),
  rule("sendgrid_key", "SendGrid API key", ["sg."], /\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}\b/),
  rule("twilio_key", "Twilio API key", ["sk"], /\bSK[0-9a-f]{32}\b/),
  rule("mailgun_key", "Mailgun API key", ["key-"], /\bkey-[0-9a-f]{32}\b/),
  rule(
    "shopify_token",
    "Shopify access token",
    ["shpat_", "shpss_", "shpca_", "shppa_"],
    /\bshp(?:at|ss|ca|pa)_[a-fA-F0-9]{32}\b/,
  ),
  rule(
    "digitalocean_token",
    "DigitalOcean token",
    ["dop_v1_", "doo_v1_", "dor_v1_"],
    /\bdo[opr]_v1_[a-f0-9]{64}\b/,
  ),
  rule("azure_storage_key", "Azure storage account key", ["accountkey="], /AccountKey=[A-Za-z0-9+/]{86}==/),
  rule("telegram_bot_token", "Telegram bot token", [":aa"], /\b\d{8,10}:AA[A-Za-z0-9_-]{33}\b/),
  rule(
    "url_credentials",
    "Credentials in a URL",
    ["://"],
    /\b[a-z][a-z0-9+.-]{1,20}:\/\/[^\s:/@]{1,256}:[^\s@/]{1,256}@/i,
  ),
];
