"""The success messages both doors show (REST's `message`, GraphQL's payloads): written
once, so that the two cannot drift apart."""

FORGOT_PASSWORD = "If the email exists, a reset link has been sent."  # noqa: S105 (messages, not secrets)
PASSWORD_RESET = "Password has been reset."  # noqa: S105
TOKEN_REGENERATED = "API token regenerated; the old one no longer works."  # noqa: S105
EAB_SAVED = "EAB credentials saved (the HMAC key is stored encrypted)"
NOTIFICATION_SETTINGS_SAVED = "Notification settings saved"
CA_FALLBACK_SAVED = "Fallback CAs saved"
DOMAIN_VERIFIED = "Domain verified"
DOMAIN_NOT_VERIFIED = "Verification failed: see checks"
DOMAIN_DELETED = "Domain deleted successfully"
CERTIFICATE_REQUESTED = "Certificate requested; issuance runs in the background"
RENEWAL_RUNNING = "Renewal is running; it finishes in the background"
CERTIFICATE_RENEWED = "Certificate renewed"
DNS_CHECK_STARTED = "Checking the DNS records now"
CERTIFICATE_REVOKED = "Certificate revoked"
CERTIFICATE_DELETED = "Certificate deleted successfully"
DNS_CREDENTIAL_SAVED = "DNS credential checked and saved (stored encrypted)"
DNS_CREDENTIAL_CHECKED = "DNS credential works"
DNS_CREDENTIAL_FAILED = "DNS credential check failed: see error"
DNS_CREDENTIAL_DELETED = "DNS credential deleted"
DOMAIN_DNS_CREDENTIAL_SET = "Domain's DNS provider saved"
DEPLOYMENT_TARGET_CREATED = "Deployment target created"
DEPLOYMENT_TARGET_UPDATED = "Deployment target updated"
DEPLOYMENT_TARGET_DELETED = "Deployment target deleted"
CERTIFICATE_ATTACHED = "Certificate attached; it is deployed after each issuance and renewal"
CERTIFICATE_DETACHED = "Certificate detached"
DEPLOYMENT_QUEUED = "Deployment queued; it runs in the background"
