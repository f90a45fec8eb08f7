package io.ballast.bench.scenario;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Pins the calling thread to a CPU list with {@code taskset -p}, as the runner pins balancer
 * processes, so that the in-process oracle's event loop runs where the balancers under test run
 * rather than on the runner's CPU beside the backends and the load generator. Linux only (it reads
 * the thread's id from {@code /proc/thread-self}). Stateless; thread-safe.
 */
final class ThreadPinning {
    private ThreadPinning() {}

    /** Pins the calling thread to {@code cpu} (taskset's list syntax, e.g. "0"); no-op when blank. */
    static void pinCurrentThread(String cpu) throws IOException, InterruptedException {
        if (cpu == null || cpu.isBlank()) {
            return;
        }
        // /proc/thread-self links to <pid>/task/<tid>.
        String tid = Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString();
        Process p = new ProcessBuilder("taskset", "-p", "-c", cpu, tid).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(5, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("taskset -p -c " + cpu + " " + tid + " did not finish within 5 s");
        }
        if (p.exitValue() != 0) {
            throw new IOException("taskset -p -c " + cpu + " " + tid + " exited with " + p.exitValue());
        }
    }
}
