/** nginx documentation pages the rules follow. */
export const NGINX_DOCS = {
  ssl: 'https://nginx.org/en/docs/http/ngx_http_ssl_module.html',
  proxy: 'https://nginx.org/en/docs/http/ngx_http_proxy_module.html',
  grpc: 'https://nginx.org/en/docs/http/ngx_http_grpc_module.html',
  uwsgi: 'https://nginx.org/en/docs/http/ngx_http_uwsgi_module.html',
  resolver: 'https://nginx.org/en/docs/http/ngx_http_core_module.html#resolver',
} as const;
