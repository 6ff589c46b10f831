import { generate } from 'selfsigned'
import https from 'node:https'
import tls from 'node:tls'
const p = await generate([{name:'commonName',value:'x'}], {keyType:'ec', algorithm:'sha256', extensions:[{name:'subjectAltName',altNames:[{type:2,value:'localhost'},{type:7,ip:'127.0.0.1'}]}]})
const srv = https.createServer({key:p.private, cert:p.cert}, (req,res)=>res.end('ok'))
await new Promise(r=>srv.listen(0,'127.0.0.1',r))
const port = srv.address().port
const get = () => new Promise((res) => https.get(`https://127.0.0.1:${port}/`, (r)=>{r.resume(); res('status '+r.statusCode)}).on('error', e=>res('err '+e.code)))
console.log('before', await get())
const orig = tls.createSecureContext
tls.createSecureContext = function (options) { const ctx = orig.call(this, options); if (!options?.ca) ctx.context.addCACert(p.cert); return ctx }
console.log('after', await get())
const { ApiGatewayManagementApiClient, GetConnectionCommand } = await import('@aws-sdk/client-apigatewaymanagementapi')
const c = new ApiGatewayManagementApiClient({endpoint:`https://127.0.0.1:${port}/dev`, region:'us-east-1', credentials:{accessKeyId:'a',secretAccessKey:'b'}, maxAttempts:1})
try { await c.send(new GetConnectionCommand({ConnectionId:'x'})) } catch(e) { console.log('sdk', e.name, e.message.slice(0,80)) }
console.log('google still verifies?', await new Promise(r=>tls.connect({host:'127.0.0.1',port, servername:'localhost'}, function(){r(this.authorized)}).on('error',e=>r(e.code))))
srv.close()
