import type { DevOptions, DevServer } from './dev-server.js'
import { projectBanner } from './project/banner.js'

// What `socketeer dev` prints once it listens: one labelled line each, built as a list so
// a feature adds its own line (push onto the list `bannerLines` returns).

export interface BannerLine {
  label: string
  value: string
}

const list = (keys: string[]) => (keys.length > 0 ? keys.join(', ') : 'none')

export function bannerLines(dev: DevServer, options: DevOptions): BannerLine[] {
  const gw = dev.gateway
  const endpoint = gw.managementEndpoint
  const http =
    options.http === false ? 'off' : options.http === 'v2' ? 'HTTP API (V2) events' : 'REST (V1) proxy events'
  const rr =
    options.routeResponses === true
      ? 'all routes'
      : Array.isArray(options.routeResponses) && options.routeResponses.length > 0
        ? options.routeResponses.join(', ')
        : 'none'
  const httpRoutes = gw.httpRoutes()
  const files = dev.files().length
  return [
    { label: 'websocket', value: gw.url },
    { label: 'routes', value: list(gw.routes()) },
    {
      label: 'http',
      value: `${gw.httpPortUrl ? `${gw.httpPortUrl} and ` : ''}${gw.httpUrl} (${http}${options.cors ? ', CORS on' : ''})${httpRoutes.length > 0 ? `: ${httpRoutes.join(', ')}` : ''}`,
    },
    { label: '@connections', value: `${endpoint}/@connections/{connectionId}` },
    { label: 'inspector', value: gw.inspectorUrl ?? 'off' },
    // Any region and any credentials sign a call the local endpoint accepts.
    {
      label: 'boto3',
      value: `boto3.client('apigatewaymanagementapi', endpoint_url='${endpoint}', region_name='us-east-1', aws_access_key_id='x', aws_secret_access_key='x').post_to_connection(ConnectionId=ID, Data=b'hello')`,
    },
    {
      label: 'aws cli',
      value: `AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x aws apigatewaymanagementapi post-to-connection --endpoint-url ${endpoint} --region us-east-1 --connection-id=ID --data hello --cli-binary-format raw-in-base64-out`,
    },
    { label: 'route responses', value: rr },
    ...projectBanner(dev),
    options.watch === false
      ? { label: 'hot reload', value: 'off: restart to pick up changes' }
      : {
          label: 'watching',
          value: `${files} file${files === 1 ? '' : 's'} (changes reload the handlers, connections stay open)`,
        },
  ]
}

export function renderBanner(
  title: string,
  lines: BannerLine[],
  label: (text: string) => string = (t) => t,
): string {
  const width = Math.max(...lines.map((l) => l.label.length)) + 2
  return `${[title, ...lines.map((l) => `  ${label(l.label.padEnd(width))}${l.value}`)].join('\n')}\n`
}
