package io.ballast.bench.scenario;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Open-source NGINX with its failover features on: passive failure accounting per server
 * ({@code max_fails} within {@code fail_timeout} takes it out for {@code fail_timeout}) and
 * {@code proxy_next_upstream} on errors, timeouts and 502/503/504, up to three tries. It has no
 * active health checks (that is NGINX Plus). Stateless; thread-safe.
 */
public final class NginxBalancer implements ProcessBalancer {
    /** Failures within this window take a server out, for this long. */
    static final String FAIL_TIMEOUT = "5s";

    private final String method;
    private final boolean named;

    /** NGINX with its default round robin, named "nginx". */
    public NginxBalancer() {
        this("", false);
    }

    /**
     * @param method the upstream balancing directive (least_conn, random, ip_hash...), or empty
     *               for round robin
     * @param named  whether it shows in {@link #name()} ("nginx-least_conn")
     */
    public NginxBalancer(String method, boolean named) {
        this.method = method;
        this.named = named;
    }

    @Override
    public String name() {
        return named ? "nginx-" + (method.isEmpty() ? "round_robin" : method) : "nginx";
    }

    @Override
    public List<String> prepare(Path dir, int port, List<Integer> backendPorts, Scenario scenario) throws IOException {
        StringBuilder servers = new StringBuilder();
        if (!method.isEmpty() && !method.equals("round_robin")) {
            servers.append("    ").append(method).append(";\n");
        }
        for (int p : backendPorts) {
            servers.append("    server 127.0.0.1:").append(p)
                    .append(" max_fails=3 fail_timeout=").append(FAIL_TIMEOUT);
            String extra = scenario.serverOptions().getOrDefault("nginx_server", "");
            if (!extra.isBlank()) {
                servers.append(' ').append(extra.strip());
            }
            servers.append(";\n");
        }
        String d = dir.toAbsolutePath().toString();
        String cfg = """
                daemon off;
                worker_processes 1;
                pid %1$s/nginx.pid;
                error_log %1$s/error.log warn;
                events { worker_connections 8192; }
                http {
                  access_log off;
                  client_body_temp_path %1$s/client_body;
                  proxy_temp_path %1$s/proxy;
                  fastcgi_temp_path %1$s/fastcgi;
                  uwsgi_temp_path %1$s/uwsgi;
                  scgi_temp_path %1$s/scgi;
                  keepalive_requests 1000000;
                  keepalive_timeout 65s;
                  upstream bench {
                %2$s    keepalive 128;
                  }
                  server {
                    listen 127.0.0.1:%3$d;
                    location / {
                      proxy_pass http://bench;
                      proxy_http_version 1.1;
                      proxy_set_header Connection "";
                      proxy_connect_timeout 1s;
                      proxy_read_timeout %4$s;
                      proxy_next_upstream error timeout http_502 http_503 http_504;
                      proxy_next_upstream_tries 3;
                    }
                  }
                }
                """.formatted(d, servers, port, Durations.millis(scenario.clientTimeout()));
        Path file = dir.resolve("nginx.conf");
        Files.writeString(file, cfg);
        return List.of("nginx", "-p", d, "-e", d + "/error.log", "-c", file.toAbsolutePath().toString());
    }
}
