// #/certificates/new: request a certificate from a CA for names of your domains.
import { useEffect, useState } from 'preact/hooks';
import { gql } from '../../api';
import { useAction, useQuery } from '../../hooks';
import { navigate } from '../../router';
import { Checkbox, ErrorBox, Loading, Notice, Page, Select, fieldError } from '../../ui/common';
import { TextArea, splitNames, type CaInfo } from './parts';
import { t, type Key } from './strings';

const FORM = `query RequestForm {
  caProviders { name caName title custom available note eabRequired keyTypes challengeTypes
                profiles { name description } }
  domains { domains { domain verificationMethod } }
}`;

const REQUEST = `mutation Request($domains: [String!]!, $caProvider: CaProvider, $caName: String,
    $challengeType: ChallengeType, $keyType: KeyType, $profile: String, $autoRenew: Boolean) {
  requestCertificate(domains: $domains, caProvider: $caProvider, caName: $caName,
                     challengeType: $challengeType, keyType: $keyType, profile: $profile,
                     autoRenew: $autoRenew) { id }
}`;

interface Data {
  caProviders: CaInfo[];
  domains: { domains: { domain: string; verificationMethod: string }[] };
}

// The fields this form shows an error at; any other named field is listed under the form.
const SHOWN = ['domains', 'caName', 'caProvider', 'challengeType', 'keyType', 'profile'];

function firstChoice(cas: CaInfo[]): CaInfo | undefined {
  return cas.find((c) => c.custom && c.available) ?? cas.find((c) => c.available);
}

export function RequestCertificate() {
  const q = useQuery<Data>(FORM);
  const [caName, setCaName] = useState('');
  const [names, setNames] = useState('');
  const [challenge, setChallenge] = useState('');
  const [keyType, setKeyType] = useState('');
  const [profile, setProfile] = useState('');
  const [autoRenew, setAutoRenew] = useState(true);
  const cas = q.data?.caProviders ?? [];
  const ca = cas.find((c) => c.caName === caName);
  const domains = q.data?.domains.domains ?? [];

  useEffect(() => { // the first custom CA (the server's own), else the first available
    if (q.data && !caName) setCaName(firstChoice(q.data.caProviders)?.caName ?? '');
  }, [q.data]);
  useEffect(() => { // keep the choices among what this CA offers
    if (!ca) return;
    const challenges = ca.challengeTypes ?? [];
    if (!challenges.includes(challenge)) {
      const usual = domains[0]?.verificationMethod;
      setChallenge(usual && challenges.includes(usual) ? usual : challenges[0] ?? '');
    }
    const keys = ca.keyTypes ?? [];
    if (!keys.includes(keyType)) setKeyType(keys.includes('EC_256') ? 'EC_256' : keys[0] ?? '');
    if (profile && !(ca.profiles ?? []).some((p) => p.name === profile)) setProfile('');
  }, [caName, q.data]);

  const action = useAction(async () => {
    const chosen = ca;
    const data = await gql<{ requestCertificate: { id: number } }>(REQUEST, {
      domains: splitNames(names),
      caProvider: chosen && !chosen.custom ? chosen.name : null,
      caName: chosen?.custom ? chosen.caName : null,
      challengeType: challenge || null, keyType: keyType || null,
      profile: profile || null, autoRenew,
    });
    return data.requestCertificate.id;
  });
  const submit = async (e: Event) => {
    e.preventDefault();
    const id = await action.run();
    if (id !== undefined) navigate(`/certificates/${id}`);
  };
  const others = Object.entries(action.error?.fields ?? {}).filter(([f]) => !SHOWN.includes(f));
  const caError = fieldError(action.error, 'caName') ?? fieldError(action.error, 'caProvider');

  return (
    <Page title={t('requestTitle')}
          actions={<a class="button secondary" href="#/certificates">{t('backToList')}</a>}>
      <ErrorBox error={q.error} onRetry={q.reload} />
      {q.loading && !q.data && <Loading />}
      {q.data &&
        <form class="card request-form" onSubmit={submit} noValidate>
          <p class="muted">{t('requestIntro')}</p>
          <ErrorBox error={action.error} />
          {others.length > 0 &&
            <div class="notice error"><p>{t('otherErrors')}</p>
              <ul>{others.map(([f, m]) => <li key={f} lang="en">{m}</li>)}</ul></div>}
          <Select label={t('ca')} value={caName} onValue={setCaName} error={caError}
                  hint={ca?.note ? <span lang="en">{ca.note}</span> : t('caHint')}
                  options={cas.map((c) => ({
                    value: c.caName, disabled: !c.available,
                    label: !c.available ? t('unavailable', { title: c.title })
                      : c.custom ? t('custom', { title: c.title }) : c.title }))} />
          {ca?.eabRequired &&
            <Notice kind="warning">
              <p>{t('eabNote')} <a href="#/settings/cas">{t('eabLink')}</a></p>
            </Notice>}
          <TextArea label={t('domainsLabel')} value={names} onValue={setNames} required
                    rows={3} error={fieldError(action.error, 'domains')}
                    hint={`${t('domainsHint')} ${domains.length
                      ? t('yourDomains', { list: domains.map((d) => d.domain).join(', ') })
                      : t('noDomains')}`} />
          {domains.length === 0 && <p><a href="#/domains">{t('addDomain')}</a></p>}
          <Select label={t('challenge')} value={challenge} onValue={setChallenge}
                  hint={t('challengeHint')} error={fieldError(action.error, 'challengeType')}
                  options={(ca?.challengeTypes ?? []).map((c) => ({
                    value: c, label: t(`ch_${c}` as Key) ?? c }))} />
          <Select label={t('keyType')} value={keyType} onValue={setKeyType}
                  error={fieldError(action.error, 'keyType')}
                  options={(ca?.keyTypes ?? []).map((k) => ({
                    value: k, label: t(`kt_${k}` as Key) ?? k }))} />
          {ca?.profiles && ca.profiles.length > 0 &&
            <Select label={t('profile')} value={profile} onValue={setProfile}
                    hint={t('profileHint')} error={fieldError(action.error, 'profile')}
                    options={[{ value: '', label: t('profileDefault') },
                              ...ca.profiles.map((p) => ({
                                value: p.name,
                                label: p.description ? `${p.name}: ${p.description}` : p.name }))]} />}
          <Checkbox label={t('autoRenew')} checked={autoRenew} onChecked={setAutoRenew} />
          <div class="actions">
            <button type="submit" disabled={action.busy || !ca}>
              {action.busy ? t('submitting') : t('submit')}</button>
            <a class="button secondary" href="#/certificates">{t('cancel')}</a>
          </div>
        </form>}
    </Page>
  );
}
