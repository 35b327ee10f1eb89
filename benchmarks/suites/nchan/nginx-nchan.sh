#!/bin/sh
# Starts nginx with the nchan module in the foreground on ADDR, with a
# configuration and every file nginx writes kept in DIR, for `ssebench
# bench` (see ../local.yaml):
#
#   POST /pub  publishes the request body to the channel "bench"
#   GET  /sub  an EventSource subscriber of that channel
#
# Install (Debian, Ubuntu): apt-get install nginx libnginx-mod-nchan
# SSEBENCH_NCHAN_MODULE may name the module's .so when it is elsewhere.
set -eu
addr=$1
dir=$2

nginx=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$nginx" ] || { echo "nginx not found: apt-get install nginx libnginx-mod-nchan" >&2; exit 1; }

module=${SSEBENCH_NCHAN_MODULE:-}
if [ -z "$module" ] && ! "$nginx" -V 2>&1 | grep -q nchan; then
	for m in /usr/lib/nginx/modules/ngx_nchan_module.so /usr/lib64/nginx/modules/ngx_nchan_module.so \
		/usr/share/nginx/modules/ngx_nchan_module.so /usr/local/nginx/modules/ngx_nchan_module.so; do
		if [ -e "$m" ]; then module=$m; break; fi
	done
	[ -n "$module" ] || { echo "the nchan module was not found: apt-get install libnginx-mod-nchan" >&2; exit 1; }
fi

load=
[ -n "$module" ] && load="load_module $module;"
user=
[ "$(id -u)" = 0 ] && user="user root;"

cat >"$dir/nginx.conf" <<CONF
$load
daemon off;
master_process on;
# One worker per core, as the Go and Node servers use every core.
worker_processes auto;
$user
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 19000; }
http {
	access_log off;
	client_body_temp_path $dir/body;
	proxy_temp_path $dir/proxy;
	fastcgi_temp_path $dir/fastcgi;
	uwsgi_temp_path $dir/uwsgi;
	scgi_temp_path $dir/scgi;
	server {
		listen $addr;
		location = /pub { nchan_publisher; nchan_channel_id bench; }
		location = /sub { nchan_subscriber eventsource; nchan_channel_id bench; }
	}
}
CONF
exec "$nginx" -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log"
