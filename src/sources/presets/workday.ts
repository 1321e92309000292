import type { WorkdayConnection } from '../../config/sections/presets/workday.ts';
import type { HttpSourcePlan } from '../http/http-source-plan.ts';
import { fillPath, presetUrl } from './preset-url.ts';

/**
 * Workday through a RaaS custom report as JSON: `GET /ccx/service/customreport2/{tenant}/{owner}/{report}
 * ?format=json`, rows under `Report_Entry`, one answer (RaaS does not page). Basic auth (an integration
 * system user) or OAuth2 client credentials (the token URL is the tenant's `/ccx/oauth2/{tenant}/token`
 * unless given). With `lookupPrompt` one worker is read by passing the key as that report prompt.
 */
export function workdayPlan(connection: WorkdayConnection): HttpSourcePlan {
  const origin = `https://${connection.host}`;
  const reportPath = fillPath('/ccx/service/customreport2/{tenant}/{owner}/{report}', {
    tenant: connection.tenant,
    owner: connection.reportOwner,
    report: connection.reportName,
  });
  const report = (params: Record<string, string>) => {
    const url = presetUrl(connection.baseUrl, origin, `${reportPath}?format=json`);
    for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
    return url;
  };
  const { auth, lookupPrompt } = connection;
  return {
    list: { url: report({}), pagination: { type: 'none' }, itemsPath: 'Report_Entry' },
    ...(lookupPrompt === undefined
      ? {}
      : { one: (key: string) => ({ url: report({ [lookupPrompt]: key }), itemPath: 'Report_Entry' }) }),
    auth:
      auth.type === 'basic'
        ? auth
        : {
            ...auth,
            tokenUrl:
              auth.tokenUrl ??
              presetUrl(
                connection.baseUrl,
                origin,
                fillPath('/ccx/oauth2/{tenant}/token', { tenant: connection.tenant }),
              ).href,
            params: {},
          },
    authOption: 'connection.auth',
    timeoutMs: connection.timeoutMs,
    retries: connection.retries,
    statusAdvice: {
      401: 'Workday refused the credentials; check connection.auth (the integration system user or API client)',
      403:
        'the account may not run this report; add the integration system user to a security group that ' +
        'can view the report and the data source (see docs/presets/workday.md)',
      404:
        "no such report; check connection.tenant, reportOwner and reportName against the report's " +
        'RaaS URL (Actions > Web Service > View URLs)',
    },
    hostNotFoundAdvice: 'check connection.host',
  };
}
