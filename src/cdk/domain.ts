import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2'
import type { ICertificate } from 'aws-cdk-lib/aws-certificatemanager'
import * as route53 from 'aws-cdk-lib/aws-route53'
import { ApiGatewayv2DomainProperties } from 'aws-cdk-lib/aws-route53-targets'
import type { Construct } from 'constructs'
import { deriveManagementEndpoint } from '../streamer/endpoint.js'
import { WebSocketApiConfigError } from './errors.js'

// A custom domain changes both public URLs: clients connect to wss://{domain}/{basePath}
// and @connections lives at https://{domain}/{basePath}, never /{stage} (the event then
// carries the custom domain but the real stage name). The runtime's endpoint rule is
// reused here so the construct and the App can never disagree.

export interface CustomDomainOptions {
  /** A name to create (needs `certificate`), or an API Gateway domain name that already exists. */
  readonly domainName: string | apigwv2.IDomainName
  /** ACM certificate for a new domain name, in the stack's region (Regional endpoint, TLS 1.2). */
  readonly certificate?: ICertificate
  /** The API mapping's path, e.g. `chat` for wss://example.com/chat; none maps the domain's root. */
  readonly basePath?: string
  /** Creates an alias A record for the domain in this zone. */
  readonly hostedZone?: route53.IHostedZone
}

export interface ResolvedDomain {
  readonly domain: apigwv2.IDomainName
  /** Undefined for a root mapping (CloudFormation rejects an empty ApiMappingKey). */
  readonly mappingKey: string | undefined
  readonly url: string
  readonly managementEndpoint: string
}

// API Gateway's allowed mapping characters, per segment (multi-level paths use `/`).
const MAPPING_SEGMENT = /^[A-Za-z0-9$\-_.+!*'()]+$/

export function normaliseBasePath(basePath: string | undefined): string | undefined {
  const trimmed = (basePath ?? '').replace(/^\/+|\/+$/g, '')
  if (trimmed === '') return undefined
  if (trimmed.length > 300 || !trimmed.split('/').every((s) => MAPPING_SEGMENT.test(s))) {
    throw new WebSocketApiConfigError(
      `customDomain.basePath ${JSON.stringify(basePath)}: at most 300 characters of letters, digits and $-_.+!*'() (segments separated by /)`,
    )
  }
  return trimmed
}

export function customDomainFor(
  scope: Construct,
  stageName: string,
  options: CustomDomainOptions,
): ResolvedDomain {
  const mappingKey = normaliseBasePath(options.basePath)
  let domain: apigwv2.IDomainName
  if (typeof options.domainName === 'string') {
    if (!options.certificate) {
      throw new WebSocketApiConfigError(
        `customDomain ${JSON.stringify(options.domainName)} needs a \`certificate\` (or pass an existing IDomainName)`,
      )
    }
    domain = new apigwv2.DomainName(scope, 'DomainName', {
      domainName: options.domainName,
      certificate: options.certificate,
      // WebSocket APIs accept only Regional domains with TLS 1.2.
      endpointType: apigwv2.EndpointType.REGIONAL,
      securityPolicy: apigwv2.SecurityPolicy.TLS_1_2,
    })
  } else {
    domain = options.domainName
  }

  // A literal name keeps the URLs readable in the template and off the DomainName resource.
  const host = typeof options.domainName === 'string' ? options.domainName : domain.name
  if (options.hostedZone) {
    new route53.ARecord(scope, 'DomainRecord', {
      zone: options.hostedZone,
      recordName: host,
      target: route53.RecordTarget.fromAlias(
        new ApiGatewayv2DomainProperties(domain.regionalDomainName, domain.regionalHostedZoneId),
      ),
    })
  }

  const managementEndpoint = deriveManagementEndpoint(host, stageName, { basePath: mappingKey })
  const url = mappingKey ? `wss://${host}/${mappingKey}` : `wss://${host}`
  return { domain, mappingKey, url, managementEndpoint }
}
