// A domain as the screens ask GraphQL for it, and the JSON casp puts in it (instructions,
// lastCheck, a verification's report: app/services/domains/ownership.py and checks.py).
import { Badge } from '../../ui/common';
import { t } from './strings';

export type Method = 'DNS_01' | 'HTTP_01';
export const METHODS: Method[] = ['DNS_01', 'HTTP_01'];

export interface DnsRecord { name: string; type: string; value: string }

export interface Instructions {
  method: string; // "dns-01" | "http-01"
  mode?: 'delegated' | 'manual' | 'dns_provider';
  record?: DnsRecord;
  path?: string;
  how?: string;
}

export interface Check { check: string; ok: boolean; detail: string }

export interface Caa { owner?: string; records: string[]; blocked: string[] }

export interface Report {
  ok: boolean;
  checks: Check[];
  caa: Caa | null;
  checked_at?: string;
}

export interface Domain {
  id: number;
  domain: string;
  verificationMethod: Method;
  status: string; // pending | verified
  createdAt: string;
  verifiedAt: string | null;
  instructions: Instructions;
  lastCheck: Report | null;
  ownership: { status: 'HELD' | 'VERIFIED' | 'PENDING'; method: 'TXT' | 'CNAME';
               record: DnsRecord };
  dnsCredentialId: number | null;
}

export const DOMAIN_FIELDS = `id domain verificationMethod status createdAt verifiedAt
  instructions lastCheck dnsCredentialId
  ownership { status method record { name type value } }`;

export function methodLabel(method: string): string {
  return method === 'HTTP_01' ? t('HTTP_01') : method === 'DNS_01' ? t('DNS_01') : method;
}

/** The domain's status, and whether another user holds its name. */
export function StatusBadges({ domain }: { domain: Pick<Domain, 'status'> &
                                            { ownership: { status: string } } }) {
  return (
    <span class="domain-badges">
      {domain.status === 'verified'
        ? <Badge kind="verified">{t('verified')}</Badge>
        : <Badge kind="pending">{t('pending')}</Badge>}
      {domain.ownership.status === 'PENDING' &&
        <Badge kind="failed">{t('heldElsewhere')}</Badge>}
    </span>
  );
}
