package io.ballast.bench.scenario;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One running balancer process, optionally pinned to a CPU with taskset, with its output in a log
 * file. {@link #close} ends it and every process it started, by PID. Not thread-safe: owned by the
 * runner's thread.
 */
public final class BalancerProcess implements RunningBalancer {
    private final Process process;
    private final Path log;

    private final Thread onExit;

    private BalancerProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
        // If the runner is stopped (Ctrl-C, SIGTERM from scenario.sh), the balancer goes with it.
        this.onExit = new Thread(this::stop, "stop-balancer-" + process.pid());
        Runtime.getRuntime().addShutdownHook(onExit);
    }

    /**
     * Starts {@code command} (prefixed with {@code taskset -c cpu} when {@code cpu} is not empty)
     * and waits until 127.0.0.1:{@code port} accepts connections.
     */
    public static BalancerProcess start(List<String> command, String cpu, Path log, int port, Duration readyWithin)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        if (cpu != null && !cpu.isBlank()) {
            cmd.addAll(List.of("taskset", "-c", cpu));
        }
        cmd.addAll(command);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        BalancerProcess bp = new BalancerProcess(p, log);
        long deadline = System.nanoTime() + readyWithin.toNanos();
        while (true) {
            if (!p.isAlive()) {
                throw new IOException(String.join(" ", cmd) + " exited with " + p.exitValue() + " (see " + log + ")");
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return bp;
            } catch (IOException notYet) {
                if (System.nanoTime() > deadline) {
                    bp.close();
                    throw new IOException(String.join(" ", cmd) + " did not listen on " + port + " within "
                            + readyWithin + " (see " + log + ")");
                }
                Thread.sleep(50);
            }
        }
    }

    public long pid() {
        return process.pid();
    }

    public Path log() {
        return log;
    }

    @Override
    public boolean alive() {
        return process.isAlive();
    }

    @Override
    public String where() {
        return log.toString();
    }

    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(onExit);
        } catch (IllegalStateException shuttingDown) {
            // The hook is running or about to: it stops the process.
        }
        stop();
    }

    private void stop() {
        List<ProcessHandle> children = process.descendants().toList();
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        // taskset execs in place, but NGINX forks a worker: end whatever outlived its parent.
        for (ProcessHandle child : children) {
            if (child.isAlive()) {
                child.destroyForcibly();
            }
        }
    }
}
