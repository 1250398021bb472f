// Credential formats: provider tokens recognised by their documented prefixes and shapes. Each rule names the
// lower-case keywords one of which must appear in the text before its pattern runs (the prefilter), so clean text
// costs a few substring searches, not a regex per rule. Patterns have no nested quantifiers and every repetition is
// bounded: linear time. One table on purpose (longer than the house ~400 lines): a rule is a row, read and
// reviewed as such; test/fixtures/secrets/rule-cases.ts holds true and false positives for every row.

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
  /**
   * The capture group, inside a leading lookbehind, where the secret starts. A pattern that begins with its literal
   * (`://`, a fixed run of letters) and looks back for the rest is scanned many times faster than one that must try
   * every position; the detection still starts where the secret does.
   */
  lookbehindGroup?: number;
}

const rule = (
  id: string,
  description: string,
  keywords: string[],
  pattern: RegExp,
  options: Pick<SecretRule, "secretGroup" | "minEntropy" | "lookbehindGroup"> = {},
): SecretRule => ({
  id,
  description,
  keywords,
  // g to find every match; d (match indices) to locate the secret's group within a match.
  pattern: new RegExp(
    pattern.source,
    [
      ...new Set(
        `${pattern.flags}g${options.secretGroup === undefined && options.lookbehindGroup === undefined ? "" : "d"}`,
      ),
    ].join(""),
  ),
  ...options,
});

/**
 * A pattern for a key with no distinctive shape of its own: the provider's `name`, up to 25 more name characters
 * (`_API_KEY`, ` secret`), an assignment (`=`, `:`, `=>`, `:=`, quotes allowed), then `secret` as group 1.
 * Case-insensitive; `secret` carries its own end (`\b`, a lookahead) and has no capture groups.
 */
const assigned = (name: RegExp, secret: RegExp): RegExp =>
  new RegExp(
    String.raw`(?:${name.source})[\w \t.-]{0,25}?["']?\s{0,3}(?:=>|:=|[:=])\s{0,3}["'\x60]?(${secret.source})`,
    "i",
  );

export const SECRET_RULES: readonly SecretRule[] = [
  rule(
    "private_key",
    "PEM private key",
    ["private key-----"],
    /-----BEGIN[ A-Z0-9]{0,30}PRIVATE KEY-----[\s\S]{0,10000}?(?:-----END[ A-Z0-9]{0,30}PRIVATE KEY-----|$)/,
  ),
  rule("jwt", "JSON Web Token", ["eyj"], /\beyJ[\w-]{8,2000}\.eyJ[\w-]{8,8000}\.[\w-]{8,2000}/),
  rule("bearer_token", "Bearer token in text", ["bearer"], /\bBearer[ \t]{1,8}[\w\-.~+/]{16,2000}={0,2}/i),
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
  // Before openai_key: these share its sk- shape, and when two rules find the same span the earlier one names it.
  rule("openrouter_key", "OpenRouter API key", ["sk-or-v1-"], /\bsk-or-v1-[a-f0-9]{64}\b/),
  rule(
    "deepseek_key",
    "DeepSeek API key next to the name DeepSeek",
    ["deepseek"],
    assigned(/deepseek/, /sk-[a-f0-9]{32}\b/),
    { secretGroup: 1, minEntropy: 3 },
  ),
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
    /(?<=\b([a-z][a-z0-9+.-]{1,20})):\/\/[^\s:/@]{1,256}:[^\s@/]{1,256}@/i,
    { lookbehindGroup: 1 },
  ),

  // Cloud platforms and infrastructure.
  rule("alibaba_access_key_id", "Alibaba Cloud AccessKey ID", ["ltai"], /\bLTAI[A-Za-z0-9]{12,20}\b/, {
    minEntropy: 3,
  }),
  rule(
    "alibaba_secret_key",
    "Alibaba Cloud AccessKey secret",
    ["alibaba", "aliyun", "alicloud"],
    assigned(/alibaba|aliyun|alicloud/, /[a-z0-9]{30}\b/),
    { secretGroup: 1, minEntropy: 3.5 },
  ),
  rule(
    "aws_session_token",
    "AWS temporary session token",
    ["iqojb3jpz2lux2vj", "fwogzxivyxdze"],
    /\b(?:IQoJb3JpZ2luX2Vj|FwoGZXIvYXdzE)[A-Za-z0-9/+]{100,2000}={0,2}/,
  ),
  rule(
    "aws_bedrock_api_key",
    "Amazon Bedrock API key",
    ["absk", "bedrock-api-key-"],
    /\b(?:ABSK[A-Za-z0-9+/]{109,269}={0,2}|bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29t[A-Za-z0-9+/]{40,4000}={0,2})(?![A-Za-z0-9+/=])/,
    { minEntropy: 4 },
  ),
  rule(
    "azure_ad_client_secret",
    "Microsoft Entra ID (Azure AD) client secret",
    ["q~"],
    /(?<![\w~.-])[A-Za-z0-9_~.]{3}\dQ~[A-Za-z0-9_~.-]{31,34}(?![\w~-])/,
  ),
  rule(
    "azure_sas_token",
    "Azure shared access signature in a URL or connection string",
    ["sig="],
    /\bsv=\d{4}-\d\d-\d\d&[\w%&=:.+-]{0,400}?\bsig=([A-Za-z0-9%+/=]{30,120})/,
    { secretGroup: 1 },
  ),
  rule(
    "azure_shared_access_key",
    "Azure Service Bus, Event Hubs or IoT Hub shared access key",
    ["sharedaccesskey="],
    /\bSharedAccessKey=([A-Za-z0-9+/]{43}=)/,
    { secretGroup: 1 },
  ),
  rule(
    "azure_container_registry_password",
    "Azure Container Registry password",
    ["+acr"],
    /(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{42}\+ACR[A-Za-z0-9]{6}\b/,
  ),
  rule(
    "azure_openai_key",
    "Azure OpenAI API key",
    ["azure_openai", "azure-openai", "azureopenai", "azure openai"],
    assigned(/azure[ _-]?openai/, /[a-f0-9]{32}\b/),
    { secretGroup: 1, minEntropy: 3 },
  ),
  rule(
    "cloudflare_api_token",
    "Cloudflare user or account API token",
    ["cfut_", "cfat_"],
    /\bcf[ua]t_[A-Za-z0-9]{40}[a-f0-9]{8}\b/,
  ),
  rule(
    "cloudflare_legacy_api_token",
    "Cloudflare API token (unprefixed) next to the name Cloudflare",
    ["cloudflare"],
    assigned(/cloudflare/, /[A-Za-z0-9_-]{40}(?![\w-])/),
    { secretGroup: 1, minEntropy: 3.5 },
  ),
  rule(
    "cloudflare_global_api_key",
    "Cloudflare global API key next to the name Cloudflare",
    ["cloudflare"],
    assigned(/cloudflare/, /[a-f0-9]{37}\b/),
    { secretGroup: 1, minEntropy: 3 },
  ),
  rule(
    "cloudflare_origin_ca_key",
    "Cloudflare Origin CA key",
    ["v1.0-"],
    /\bv1\.0-[a-f0-9]{24}-[a-f0-9]{146}\b/,
  ),
  rule(
    "gcp_service_account_key_id",
    "Google Cloud service-account key id (private_key_id in the key file)",
    ["private_key_id"],
    /"private_key_id"\s{0,3}:\s{0,3}"([a-f0-9]{40})"/,
    { secretGroup: 1 },
  ),
  rule("google_oauth_access_token", "Google OAuth access token", ["ya29."], /\bya29\.[\w.-]{50,2000}/, {
    minEntropy: 3.5,
  }),
  rule(
    "google_oauth_refresh_token",
    "Google OAuth refresh token",
    ["1//0"],
    /(?<![\w/])1\/\/0[A-Za-z0-9_-]{40,500}/,
    { minEntropy: 3.5 },
  ),
  rule(
    "firebase_cloud_messaging_key",
    "Firebase Cloud Messaging legacy server key",
    ["apa91b"],
    /\bAAAA[A-Za-z0-9_-]{7}:APA91b[A-Za-z0-9_-]{120,160}/,
  ),
  rule("yandex_api_key", "Yandex Cloud API key", ["aqvn"], /\bAQVN[A-Za-z0-9_-]{35,38}(?![\w-])/, {
    minEntropy: 3.5,
  }),
  rule(
    "yandex_iam_token",
    "Yandex Cloud IAM token",
    ["t1."],
    /\bt1\.[A-Za-z0-9_-]{10,300}={0,2}\.[A-Za-z0-9_-]{86}={0,2}(?![\w=-])/,
    { minEntropy: 4 },
  ),
  rule(
    "hashicorp_terraform_token",
    "HashiCorp Terraform Cloud / Enterprise API token",
    ["atlasv1"],
    /\b[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_=-]{60,70}(?![\w=-])/,
  ),
  rule(
    "hashicorp_vault_token",
    "HashiCorp Vault service, batch or recovery token",
    ["hvs.", "hvb.", "hvr."],
    /\bhv[sbr]\.[A-Za-z0-9_-]{24,300}(?![\w-])/,
    { minEntropy: 3.5 },
  ),
  rule("heroku_api_key", "Heroku platform API key", ["hrku-aa"], /\bHRKU-AA[A-Za-z0-9_-]{58}(?![\w-])/),
  rule(
    "heroku_legacy_api_key",
    "Heroku API key (a UUID) next to the name Heroku",
    ["heroku"],
    assigned(
      /heroku[_.-]?(?:api[_.-]?)?(?:key|token)/,
      /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/,
    ),
    { secretGroup: 1, minEntropy: 3 },
  ),
  rule(
    "fly_io_token",
    "Fly.io access token",
    ["fo1_", "fm1a_", "fm1r_", "fm2_"],
    /\b(?:fo1_[\w-]{43}(?![\w-])|fm(?:1[ar]|2)_[A-Za-z0-9+/]{100,2000}={0,3})/,
    { minEntropy: 3.5 },
  ),
  rule(
    "vercel_token",
    "Vercel access token next to the name Vercel",
    ["vercel"],
    assigned(/vercel[_.-]?(?:api[_.-]?|access[_.-]?|auth[_.-]?)?token/, /[A-Za-z0-9]{24}\b/),
    { secretGroup: 1, minEntropy: 3.5 },
  ),
  rule("netlify_token", "Netlify personal access token", ["nfp_"], /\bnfp_[A-Za-z0-9_]{36}\b/, {
    minEntropy: 3.5,
  }),
  rule(
    "netlify_legacy_token",
    "Netlify access token (unprefixed) next to the name Netlify",
    ["netlify"],
    assigned(/netlify/, /[A-Za-z0-9_-]{43,45}(?![\w-])/),
    { secretGroup: 1, minEntropy: 3.5 },
  ),
  rule("scalingo_token", "Scalingo API token", ["tk-us-"], /\btk-us-[\w-]{48}(?![\w-])/, { minEntropy: 3.5 }),
  rule(
    "planetscale_token",
    "PlanetScale service token, OAuth token or database password",
    ["pscale_tkn_", "pscale_pw_", "pscale_oauth_"],
    /\bpscale_(?:tkn|pw|oauth)_[\w.=-]{32,64}/,
    { minEntropy: 3.5 },
  ),
  rule(
    "supabase_token",
    "Supabase personal access token or secret API key",
    ["sbp_", "sb_secret_"],
    /\b(?:sbp_[a-z0-9]{40}|sb_secret_[A-Za-z0-9_-]{30,64})(?![\w-])/,
    { minEntropy: 3.5 },
  ),
  rule("databricks_token", "Databricks personal access token", ["dapi"], /\bdapi[a-f0-9]{32}(?:-\d)?\b/),
  rule(
    "dynatrace_token",
    "Dynatrace API token",
    ["dt0"],
    /\bdt0[a-z]\d\d\.[A-Za-z0-9]{24}\.[A-Za-z0-9]{64}\b/,
  ),
  rule(
    "doppler_token",
    "Doppler personal, service, service-account, CLI, SCIM or audit token",
    ["dp.pt.", "dp.st.", "dp.sa.", "dp.ct.", "dp.scim.", "dp.audit."],
    /\bdp\.(?:pt|st(?:\.[a-z0-9_-]{2,35})?|sa|ct|scim|audit)\.[A-Za-z0-9]{40,44}\b/,
    { minEntropy: 3.5 },
  ),
  rule("pulumi_token", "Pulumi access token", ["pul-"], /\bpul-[a-f0-9]{40}\b/),
  rule("prefect_api_key", "Prefect Cloud API key", ["pnu_"], /\bpnu_[A-Za-z0-9]{36}\b/, { minEntropy: 3.5 }),
  rule(
    "tailscale_key",
    "Tailscale API, auth, OAuth client, SCIM or webhook key",
    ["tskey-"],
    /\btskey-(?:api|auth|client|scim|webhook)-[A-Za-z0-9]{6,24}-[A-Za-z0-9]{20,64}\b/,
    { minEntropy: 3.5 },
  ),
  rule(
    "ngrok_authtoken",
    "ngrok authtoken",
    ["ngrok", "authtoken"],
    /(?:ngrok[\w \t.-]{0,25}?|\bauthtoken)["']?\s{0,3}[:=]\s{0,3}["']?(2[A-Za-z0-9]{26}_[0-9][A-Za-z0-9]{20})\b/i,
    { secretGroup: 1, minEntropy: 3.5 },
  ),
  rule(
    "grafana_cloud_token",
    "Grafana Cloud access policy token",
    ["glc_"],
    /\bglc_[A-Za-z0-9+/]{32,400}={0,2}/,
    {
      minEntropy: 3.5,
    },
  ),
  rule(
    "grafana_service_account_token",
    "Grafana service account token",
    ["glsa_"],
    /\bglsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}\b/,
  ),
  rule("grafana_api_key", "Grafana legacy API key", ["eyjrijoi"], /\beyJrIjoi[A-Za-z0-9]{70,400}={0,2}/),
  rule("new_relic_user_key", "New Relic user API key", ["nrak-"], /\bNRAK-[A-Z0-9]{27}\b/),
  rule(
    "new_relic_license_key",
    "New Relic ingest license key",
    ["nral"],
    /(?<=\b([a-z0-9]{6}[a-f0-9]{30}))NRAL\b/,
    { lookbehindGroup: 1 },
  ),
  rule(
    "new_relic_insert_key",
    "New Relic Insights insert key",
    ["nrii-"],
    /\bNRII-[A-Za-z0-9_-]{32}(?![\w-])/,
  ),
  rule(
    "datadog_key",
    "Datadog API or application key",
    ["datadog", "dd_api", "dd-api", "dd_app", "dd-app"],
    assigned(/datadog|\bdd[_-]ap(?:i|p|plication)/, /(?:[a-f0-9]{40}|[a-f0-9]{32})\b/),
    { secretGroup: 1, minEntropy: 3 },
  ),
  rule(
    "sentry_token",
    "Sentry user or organization auth token",
    ["sntryu_", "sntrys_"],
    /\b(?:sntryu_[a-f0-9]{64}\b|sntrys_eyJ[A-Za-z0-9+/=_]{60,800})/,
  ),
  rule("sumologic_key", "Sumo Logic access key", ["sumo"], assigned(/sumo(?:logic)?/, /[A-Za-z0-9]{64}\b/), {
    secretGroup: 1,
    minEntropy: 3.5,
  }),
  rule(
    "snyk_token",
    "Snyk API token",
    ["snyk"],
    assigned(
      /snyk[_.-]?(?:api[_.-]?|oauth[_.-]?)?(?:token|key)/,
      /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/,
    ),
    { secretGroup: 1, minEntropy: 3 },
  ),
  rule(
    "okta_token",
    "Okta API token",
    ["okta", "ssws"],
    /(?:okta[\w \t.-]{0,25}?["']?\s{0,3}(?:=>|:=|[:=])\s{0,3}["'\x60]?|\bSSWS[ \t]{1,3})(00[A-Za-z0-9_-]{40})(?![\w-])/i,
    { secretGroup: 1, minEntropy: 3.5 },
  ),
  rule(
    "onepassword_service_account_token",
    "1Password service account token",
    ["ops_eyj"],
    /\bops_eyJ[A-Za-z0-9+/]{250,4000}={0,3}/,
  ),
  rule(
    "onepassword_secret_key",
    "1Password account Secret Key",
    ["a3-"],
    /\bA3-[A-Z0-9]{6}-(?:[A-Z0-9]{11}|[A-Z0-9]{6}-[A-Z0-9]{5})-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}\b/,
  ),
  rule(
    "atlassian_api_token",
    "Atlassian (Jira, Confluence, Bitbucket) API token",
    ["atatt3", "atctt3"],
    /\bAT[AC]TT3[A-Za-z0-9_=-]{176,200}(?![\w=-])/,
  ),
  rule("bitbucket_app_password", "Bitbucket app password", ["atbb"], /\bATBB[A-Za-z0-9_=.-]{28,120}/, {
    minEntropy: 3.5,
  }),
  rule(
    "gitlab_pipeline_trigger_token",
    "GitLab pipeline trigger token",
    ["glptt-"],
    /\bglptt-[a-f0-9]{40}\b/,
  ),
  rule(
    "gitlab_runner_token",
    "GitLab runner authentication or registration token",
    ["glrt-", "gr1348941"],
    /\b(?:glrt-[\w-]{20,300}(?:\.[0-9a-z]{9})?|GR1348941[\w-]{20,64})(?![\w-])/,
    { minEntropy: 3.5 },
  ),
  rule("gitlab_deploy_token", "GitLab deploy token", ["gldt-"], /\bgldt-[\w-]{20,64}(?![\w-])/, {
    minEntropy: 3.5,
  }),
  rule(
    "gitlab_ci_job_token",
    "GitLab CI/CD job token",
    ["glcbt-"],
    /\bglcbt-[A-Za-z0-9]{1,5}_[\w-]{20,64}(?![\w-])/,
    { minEntropy: 3.5 },
  ),
  rule(
    "gitlab_oauth_app_secret",
    "GitLab OAuth application secret",
    ["gloas-"],
    /\bgloas-[\w-]{64}(?![\w-])/,
    {
      minEntropy: 3.5,
    },
  ),
  rule(
    "gitlab_service_token",
    "GitLab feed, incoming mail, Kubernetes agent, SCIM or feature-flag token",
    ["glft-", "glimt-", "glagent-", "glsoat-", "glffct-"],
    /\b(?:glft|glimt|glagent|glsoat|glffct)-[\w-]{20,64}(?![\w-])/,
    { minEntropy: 3.5 },
  ),

  // Package registries, CI and developer tooling.
  rule(
    "docker_hub_token",
    "Docker Hub personal or organization access token",
    ["dckr_pat_", "dckr_oat_"],
    /\bdckr_(?:pat_[\w-]{27}|oat_[\w-]{32})(?![\w-])/,
    { minEntropy: 3.5 },
  ),
  rule(
    "docker_registry_auth",
    "Registry credentials (base64 user:password) in a Docker config.json or .dockerconfigjson",
    ['"auth"'],
    /(?<="[^"\s]{1,200}"\s{0,3}:\s{0,3}\{\s{0,20})"auth"\s{0,3}:\s{0,3}"([A-Za-z0-9+/]{16,1000}={0,2})"/,
    { secretGroup: 1, minEntropy: 3.5 },
  ),
  rule(
    "jfrog_token",
    "JFrog Artifactory API key or reference token",
    ["akcp", "cmvmdgtu"],
    /\b(?:AKCp[A-Za-z0-9]{69}|cmVmdGtu[A-Za-z0-9]{56})\b/,
  ),
  rule("nuget_api_key", "NuGet.org API key", ["oy2"], /\boy2[a-z0-9]{43}\b/, { minEntropy: 3.5 }),
  rule("rubygems_token", "RubyGems API key", ["rubygems_"], /\brubygems_[a-f0-9]{48}\b/),
  rule("clojars_token", "Clojars deploy token", ["clojars_"], /\bCLOJARS_[a-z0-9]{60}\b/i, {
    minEntropy: 3.5,
  }),
  rule(
    "npmrc_auth_token",
    "Registry token in .npmrc (_authToken) or .yarnrc.yml (npmAuthToken)",
    ["_authtoken", "npmauthtoken"],
    /(?:_authToken|\bnpmAuthToken)\s{0,3}[:=]\s{0,3}["']?([\w.+/=-]{20,500})/i,
    { secretGroup: 1, minEntropy: 3 },
  ),
  rule("buildkite_token", "Buildkite API access token", ["bkua_"], /\bbkua_[a-z0-9]{40}\b/),
  rule(
    "circleci_token",
    "CircleCI personal API token",
    ["ccipat_"],
    /\bCCIPAT_[A-Za-z0-9]{22}_[a-f0-9]{40}\b/,
  ),
  rule(
    "travis_ci_token",
    "Travis CI API token next to the name Travis",
    ["travis"],
    assigned(/travis/, /[A-Za-z0-9]{22}\b/),
    { secretGroup: 1, minEntropy: 3.5 },
  ),
  rule(
    "sourcegraph_token",
    "Sourcegraph access token",
    ["sgp_"],
    /\bsgp_(?:[a-f0-9]{16}_|local_)?[a-f0-9]{40}\b/,
  ),
  rule(
    "harness_token",
    "Harness personal or service account token",
    ["pat.", "sat."],
    /\b[ps]at\.[\w-]{22}\.[A-Za-z0-9]{24}\.[A-Za-z0-9]{20}\b/,
  ),
  rule("infracost_token", "Infracost API key", ["ico-"], /\bico-[A-Za-z0-9]{32}\b/, { minEntropy: 3.5 }),

  // Key files and credentials embedded in configuration.
  rule(
    "private_key_base64",
    "Base64-encoded PEM private key (kubeconfig client-key-data, Kubernetes secrets)",
    ["ls0tls1crudjti"],
    /\bLS0tLS1CRUdJTi[A-Za-z0-9+/]{0,40}?(?:UFJJVkFURSBLRVkt|BSSVZBVEUgS0VZ|QUklWQVRFIEtFWS0)[A-Za-z0-9+/]{20,16000}={0,2}/,
  ),
  rule(
    "pgp_private_key",
    "OpenPGP private key block",
    ["begin pgp private key block"],
    /-----BEGIN PGP PRIVATE KEY BLOCK-----[\s\S]{0,20000}?(?:-----END PGP PRIVATE KEY BLOCK-----|$)/,
  ),
  rule(
    "putty_private_key",
    "PuTTY private key file (.ppk)",
    ["putty-user-key-file-"],
    /PuTTY-User-Key-File-[23]: [^\r\n]{1,100}[\s\S]{0,12000}?(?:Private-MAC: [a-f0-9]{40,64}|$)/,
  ),
  rule(
    "age_secret_key",
    "age encryption secret key",
    ["age-secret-key-1"],
    /\bAGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}\b/,
  ),
  rule(
    "connection_string_password",
    "Password in an ADO.NET / ODBC style connection string (Server=...;Password=...)",
    ["password", "pwd"],
    /(?<=\b(?:Server|Data Source|Host|Address|Addr)\s{0,2}=[^;\r\n"']{1,200};[^\r\n"']{0,300}?\b)(?:Password|Pwd)\s{0,2}=\s{0,2}(?![<{$%*[])([^;\r\n"'\s]{4,128})/i,
    { secretGroup: 1, minEntropy: 2.5 },
  ),

  // Software-as-a-service APIs.
  rule("adafruit_io_key", "Adafruit IO key", ["aio_"], /\baio_[A-Za-z0-9]{28}\b/, { minEntropy: 3.5 }),
  rule("airtable_token", "Airtable personal access token", ["pat"], /\bpat[A-Za-z0-9]{14}\.[a-f0-9]{64}\b/),
  rule(
    "algolia_api_key",
    "Algolia admin or search API key next to the name Algolia",
    ["algolia"],
    assigned(/algolia/, /[a-f0-9]{32}\b/),
    { secretGroup: 1, minEntropy: 3 },
  ),
  rule(
    "asana_token",
    "Asana personal access token",
    ["1/", "2/"],
    /\b(?:1\/|2\/)\d{10,20}(?:\/\d{10,20})?:[a-f0-9]{32}\b/,
  ),
  rule("beamer_api_key", "Beamer API key", ["beamer"], assigned(/beamer/, /b_[A-Za-z0-9=_-]{44}(?![\w=-])/), {
    secretGroup: 1,
    minEntropy: 3.5,
  }),
  rule(
    "confluent_secret",
    "Confluent Cloud API secret next to the name Confluent",
    ["confluent"],
    assigned(/confluent/, /[A-Za-z0-9+/]{64}(?![A-Za-z0-9+/])/),
    { secretGroup: 1, minEntropy: 4 },
  ),
  rule("contentful_token", "Contentful personal access token", ["cfpat-"], /\bCFPAT-[\w-]{43}(?![\w-])/, {
    minEntropy: 3.5,
  }),
  rule(
    "discord_webhook",
    "Discord webhook URL",
    ["discord"],
    /https:\/\/(?:ptb\.|canary\.)?discord(?:app)?\.com\/api\/webhooks\/\d{17,20}\/[\w-]{60,68}/,
  ),
  rule(
    "discord_bot_token",
    "Discord bot token next to the name Discord",
    ["discord"],
    assigned(/discord/, /[MNO][\w-]{23,27}\.[\w-]{6}\.[\w-]{27,40}(?![\w-])/),
    { secretGroup: 1, minEntropy: 3.5 },
  ),
  rule(
    "dropbox_short_lived_token",
    "Dropbox short-lived access token",
    ["sl."],
    /\bsl\.[A-Za-z0-9_.=-]{130,1500}/,
    { minEntropy: 4 },
  ),
  rule(
    "dropbox_long_lived_token",
    "Dropbox long-lived access token",
    ["aaaaaaaaaa"],
    /(?<=\b([A-Za-z0-9]{11}))AAAAAAAAAA[\w=-]{43}(?![\w=-])/,
    { lookbehindGroup: 1 },
  ),
  rule(
    "duffel_token",
    "Duffel API token",
    ["duffel_test_", "duffel_live_"],
    /\bduffel_(?:test|live)_[\w=-]{43}(?![\w=-])/,
    { minEntropy: 3.5 },
  ),
  rule(
    "easypost_key",
    "EasyPost production or test API key",
    ["ezak", "eztk"],
    /\bEZ[AT]K[A-Za-z0-9]{54}\b/,
    {
      minEntropy: 3.5,
    },
  ),
  rule("etsy_key", "Etsy API key next to the name Etsy", ["etsy"], assigned(/etsy/, /[A-Za-z0-9]{24}\b/), {
    secretGroup: 1,
    minEntropy: 3.5,
  }),
  rule(
    "facebook_access_token",
    "Facebook / Meta Graph API access token",
    ["eaa"],
    /\bEAA[A-Z][A-Za-z0-9]{100,400}\b/,
    { minEntropy: 4 },
  ),
  rule(
    "facebook_app_secret",
    "Facebook app secret next to the name Facebook",
    ["facebook", "fb_app", "fb-app"],
    assigned(/facebook|\bfb[_-]app/, /[a-f0-9]{32}\b/),
    { secretGroup: 1, minEntropy: 3 },
  ),
  rule(
    "fastly_token",
    "Fastly API token next to the name Fastly",
    ["fastly"],
    assigned(/fastly/, /[\w-]{32}(?![\w-])/),
    { secretGroup: 1, minEntropy: 3.5 },
  ),
  rule(
    "figma_token",
    "Figma personal access token",
    ["figd_", "figp_"],
    /\bfig[dp]_[\w=-]{40,54}(?![\w=-])/,
    { minEntropy: 3.5 },
  ),
  rule(
    "finicity_secret",
    "Finicity app key next to the name Finicity",
    ["finicity"],
    assigned(/finicity/, /[a-f0-9]{32}\b/),
    { secretGroup: 1, minEntropy: 3 },
  ),
  rule(
    "flutterwave_secret_key",
    "Flutterwave secret key",
    ["flwseck"],
    /\bFLWSECK(?:_TEST)?-[a-h0-9]{32}-X\b/,
  ),
  rule("frameio_token", "Frame.io developer token", ["fio-u-"], /\bfio-u-[\w=-]{64}(?![\w=-])/, {
    minEntropy: 3.5,
  }),
  rule(
    "gocardless_token",
    "GoCardless access token",
    ["gocardless"],
    assigned(/gocardless/, /(?:live|sandbox)_[\w=-]{40}(?![\w=-])/),
    { secretGroup: 1, minEntropy: 3.5 },
  ),
  rule(
    "hubspot_token",
    "HubSpot private app access token",
    ["pat-na1-", "pat-eu1-"],
    /\bpat-(?:na|eu)1-[A-Fa-f0-9]{8}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{12}\b/,
  ),
  rule(
    "intercom_token",
    "Intercom access token next to the name Intercom",
    ["intercom"],
    assigned(/intercom/, /[A-Za-z0-9+/_-]{59}=(?![A-Za-z0-9+/=])/),
    { secretGroup: 1, minEntropy: 3.5 },
  ),
  rule(
    "kraken_key",
    "Kraken API key or private key next to the name Kraken",
    ["kraken"],
    assigned(/kraken/, /[A-Za-z0-9/=_+-]{80,90}(?![A-Za-z0-9/=_+-])/),
    { secretGroup: 1, minEntropy: 4 },
  ),
  rule(
    "kucoin_key",
    "KuCoin API key or secret next to the name KuCoin",
    ["kucoin"],
    assigned(/kucoin/, /(?:[a-f0-9]{24}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b/),
    { secretGroup: 1, minEntropy: 3 },
  ),
  rule(
    "launchdarkly_sdk_key",
    "LaunchDarkly server-side SDK or mobile key",
    ["sdk-", "mob-"],
    /\b(?:sdk|mob)-[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}\b/,
  ),
  rule(
    "launchdarkly_access_token",
    "LaunchDarkly API access token next to the name LaunchDarkly",
    ["launchdarkly", "launch_darkly", "launch-darkly"],
    assigned(/launch[_-]?darkly/, /api-[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}\b/),
    { secretGroup: 1 },
  ),
  rule("linear_api_key", "Linear personal API key", ["lin_api_"], /\blin_api_[A-Za-z0-9]{40}\b/, {
    minEntropy: 3.5,
  }),
  rule(
    "lob_api_key",
    "Lob API key next to the name Lob",
    ["lob"],
    assigned(/\blob/, /(?:live|test)_[a-f0-9]{35}\b/),
    { secretGroup: 1, minEntropy: 3 },
  ),
  rule("mailchimp_key", "Mailchimp API key", ["-us"], /(?<=\b([a-f0-9]{32}))-us\d{1,2}\b/, {
    lookbehindGroup: 1,
  }),
  rule(
    "mapbox_secret_token",
    "Mapbox secret access token",
    ["sk.eyj"],
    /\bsk\.eyJ[\w-]{20,300}\.[\w-]{20,64}(?![\w-])/,
  ),
  rule(
    "messagebird_key",
    "MessageBird API key next to the name MessageBird",
    ["messagebird", "message_bird", "message-bird"],
    assigned(/message[_-]?bird/, /[A-Za-z0-9]{25}\b/),
    { secretGroup: 1, minEntropy: 3.5 },
  ),
  rule(
    "microsoft_teams_webhook",
    "Microsoft Teams incoming webhook URL",
    ["webhook.office.com"],
    /https:\/\/[A-Za-z0-9-]{1,60}\.webhook\.office\.com\/webhookb2\/[A-Fa-f0-9-]{36}@[A-Fa-f0-9-]{36}\/IncomingWebhook\/[A-Fa-f0-9]{32}\/[A-Fa-f0-9-]{36}(?:\/[\w-]{20,80})?/,
  ),
  rule(
    "notion_token",
    "Notion integration token",
    ["ntn_", "secret_"],
    /\b(?:ntn_\d{11}[A-Za-z0-9]{35}|secret_[A-Za-z0-9]{43})\b/,
    { minEntropy: 3.5 },
  ),
  rule(
    "nytimes_key",
    "New York Times API key next to the name",
    ["nytimes", "newyork", "new_york", "new-york"],
    assigned(/nytimes|new[_-]?york[_-]?times/, /[\w=-]{32}(?![\w=-])/),
    { secretGroup: 1, minEntropy: 3.5 },
  ),
  rule(
    "braintree_access_token",
    "Braintree (PayPal) access token",
    ["access_token$production$", "access_token$sandbox$"],
    /\baccess_token\$(?:production|sandbox)\$[a-z0-9]{16}\$[a-f0-9]{32}\b/,
  ),
  rule(
    "plaid_access_token",
    "Plaid access token",
    ["access-sandbox-", "access-development-", "access-production-"],
    /\baccess-(?:sandbox|development|production)-[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}\b/,
  ),
  rule("postman_api_key", "Postman API key", ["pmak-"], /\bPMAK-[a-f0-9]{24}-[a-f0-9]{34}\b/i),
  rule("posthog_personal_key", "PostHog personal API key", ["phx_"], /\bphx_[A-Za-z0-9_]{43,48}\b/, {
    minEntropy: 3.5,
  }),
  rule("readme_api_key", "ReadMe API key", ["rdme_"], /\brdme_[a-z0-9]{70}\b/, { minEntropy: 3.5 }),
  rule(
    "brevo_key",
    "Brevo (Sendinblue) API or SMTP key",
    ["xkeysib-", "xsmtpsib-"],
    /\bx(?:keysib|smtpsib)-[a-f0-9]{64}-[A-Za-z0-9]{16}\b/,
  ),
  rule(
    "shippo_token",
    "Shippo API token",
    ["shippo_live_", "shippo_test_"],
    /\bshippo_(?:live|test)_[a-fA-F0-9]{40}\b/,
  ),
  rule(
    "sidekiq_credentials",
    "Sidekiq Pro / Enterprise gem server credentials",
    ["contribsys__com"],
    /\bBUNDLE_(?:ENTERPRISE|GEMS)__CONTRIBSYS__COM["']?\s{0,3}[:=]\s{0,3}["']?([a-f0-9]{8}:[a-f0-9]{8})\b/i,
    { secretGroup: 1 },
  ),
  rule(
    "square_token",
    "Square access token or OAuth secret",
    ["eaaa", "sq0atp-", "sq0csp-"],
    /\b(?:EAAA[\w-]{60}|sq0atp-[\w-]{22}|sq0csp-[\w-]{43})(?![\w-])/,
    { minEntropy: 3.5 },
  ),
  rule(
    "webhook_signing_secret",
    "Stripe or Svix webhook signing secret",
    ["whsec_"],
    /\bwhsec_[A-Za-z0-9+/=]{32,88}/,
    { minEntropy: 3.5 },
  ),
  rule(
    "twilio_auth_token",
    "Twilio auth token next to the name Twilio",
    ["twilio"],
    assigned(/twilio/, /[a-f0-9]{32}\b/),
    { secretGroup: 1, minEntropy: 3 },
  ),
  rule(
    "twitch_token",
    "Twitch API token next to the name Twitch",
    ["twitch"],
    assigned(/twitch[\w.-]{0,20}?(?:secret|token)/, /[a-z0-9]{30}\b/),
    { secretGroup: 1, minEntropy: 3.5 },
  ),
  rule(
    "twitter_bearer_token",
    "X (Twitter) app bearer token",
    ["aaaaaaaaaaaaaaaaaaaaaa"],
    /\bA{22}[A-Za-z0-9%]{80,140}/,
    { minEntropy: 3.5 },
  ),
  rule("typeform_token", "Typeform personal access token", ["tfp_"], /\btfp_[\w.=-]{59}(?![\w=-])/, {
    minEntropy: 3.5,
  }),
  rule(
    "zendesk_token",
    "Zendesk API token next to the name Zendesk",
    ["zendesk"],
    assigned(/zendesk/, /[A-Za-z0-9]{40}\b/),
    { secretGroup: 1, minEntropy: 3.5 },
  ),
  rule(
    "slack_app_token",
    "Slack app-level token",
    ["xapp-"],
    /\bxapp-\d-[A-Z0-9]{8,14}-\d{10,16}-[a-f0-9]{32,80}\b/,
  ),
  rule(
    "slack_config_token",
    "Slack configuration access or refresh token",
    ["xoxe.xox", "xoxe-"],
    /\bxoxe(?:\.xox[bp])?-\d-[A-Za-z0-9]{140,180}\b/,
  ),
  rule(
    "woocommerce_key",
    "WooCommerce REST API consumer key or secret",
    ["ck_", "cs_"],
    /\b(?:ck_|cs_)[a-f0-9]{40}\b/,
  ),
  rule("klaviyo_key", "Klaviyo private API key", ["pk_"], /\bpk_(?:[A-Za-z0-9]{6}_)?[a-f0-9]{34}\b/),
  rule("resend_key", "Resend API key", ["re_"], /\bre_[A-Za-z0-9]{8}_[A-Za-z0-9]{24}\b/, { minEntropy: 3.5 }),
  rule(
    "huggingface_org_token",
    "Hugging Face organization API token",
    ["api_org_"],
    /\bapi_org_[A-Za-z0-9]{34}\b/,
    { minEntropy: 3.5 },
  ),

  // AI model providers.
  rule(
    "cohere_key",
    "Cohere API key next to the name Cohere",
    ["cohere", "co_api_key"],
    assigned(/cohere|\bco_api_key/, /[A-Za-z0-9]{40}\b/),
    { secretGroup: 1, minEntropy: 3.5 },
  ),
  rule("groq_key", "Groq API key", ["gsk_"], /\bgsk_[A-Za-z0-9]{52}\b/, { minEntropy: 3.5 }),
  rule(
    "mistral_key",
    "Mistral AI API key next to the name Mistral",
    ["mistral"],
    assigned(/mistral/, /[A-Za-z0-9]{32}\b/),
    { secretGroup: 1, minEntropy: 3.5 },
  ),
  rule("replicate_token", "Replicate API token", ["r8_"], /\br8_[\w-]{37}(?![\w-])/, { minEntropy: 3.5 }),
  rule("perplexity_key", "Perplexity API key", ["pplx-"], /\bpplx-[A-Za-z0-9]{48}\b/, { minEntropy: 3.5 }),
  rule("xai_key", "xAI (Grok) API key", ["xai-"], /\bxai-[A-Za-z0-9_]{80}\b/, { minEntropy: 3.5 }),
  rule(
    "langsmith_key",
    "LangSmith personal access token or service key",
    ["lsv2_"],
    /\blsv2_(?:pt|sk)_[a-f0-9]{32}_[a-f0-9]{10}\b/,
  ),
  rule("pinecone_key", "Pinecone API key", ["pcsk_"], /\bpcsk_[A-Za-z0-9]{5,6}_[A-Za-z0-9]{63}\b/, {
    minEntropy: 3.5,
  }),
  rule(
    "wandb_key",
    "Weights & Biases API key next to the name wandb",
    ["wandb"],
    assigned(/wandb/, /[a-f0-9]{40}\b/),
    { secretGroup: 1, minEntropy: 3 },
  ),
  rule("elevenlabs_key", "ElevenLabs API key", ["sk_"], /\bsk_[a-f0-9]{48}\b/),
  rule("nvidia_api_key", "NVIDIA NGC / API catalog key", ["nvapi-"], /\bnvapi-[\w-]{64}(?![\w-])/, {
    minEntropy: 3.5,
  }),
];
