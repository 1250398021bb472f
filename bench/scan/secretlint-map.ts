// Which of Helmet's secret rules secretlint's recommended preset (13.x) looks for too: the same provider's
// credential of the same kind, whatever its exact pattern. Recall is compared on these rules' test strings, since
// the goal is "equal or better recall". Rules the preset has but leaves off by default (AWS access key ids:
// enableIDScanRule) do not count: the comparison is with the preset as it runs.

export const SECRETLINT_EQUIVALENT: Record<string, { rule: string; note?: string }> = {
  private_key: { rule: "privatekey" },
  aws_secret_access_key: { rule: "aws" },
  github_token: { rule: "github" },
  github_fine_grained_token: { rule: "github" },
  gitlab_token: { rule: "gitlab" },
  slack_token: { rule: "slack" },
  slack_webhook: { rule: "slack" },
  slack_app_token: { rule: "slack", note: "xapp- is in its SLACK_TOKEN pattern" },
  stripe_key: { rule: "stripe" },
  anthropic_key: { rule: "anthropic", note: "sk-ant-api0N- keys ending in AA only" },
  openai_key: { rule: "openai", note: "keys with the T3BlbkFJ marker only" },
  huggingface_token: { rule: "huggingface", note: "hf_ with letters only" },
  npm_token: { rule: "npm" },
  npmrc_auth_token: { rule: "npm", note: "_authToken in files named .npmrc" },
  sendgrid_key: { rule: "sendgrid" },
  shopify_token: { rule: "shopify" },
  url_credentials: { rule: "basicauth, database-connection-string" },
  grafana_cloud_token: { rule: "grafana" },
  grafana_service_account_token: { rule: "grafana" },
  onepassword_service_account_token: { rule: "1password" },
  hashicorp_vault_token: { rule: "hashicorp-vault" },
  vercel_token: {
    rule: "vercel",
    note: "prefixed vcp_/vci_ tokens; Helmet's rule is the legacy one by name",
  },
  databricks_token: { rule: "databricks" },
  docker_hub_token: { rule: "docker", note: "dckr_pat_ only" },
  figma_token: { rule: "figma", note: "figd_ only" },
  cloudflare_api_token: { rule: "cloudflare" },
  cloudflare_global_api_key: {
    rule: "cloudflare",
    note: "cfk_ keys; Helmet's rule is the legacy hex key by name",
  },
  tailscale_key: { rule: "tailscale" },
  linear_api_key: { rule: "linear" },
  notion_token: { rule: "notion", note: "ntn_ only" },
  groq_key: { rule: "groq" },
  gcp_service_account_key_id: { rule: "gcp", note: "whole service-account key files (.json) only" },
};
