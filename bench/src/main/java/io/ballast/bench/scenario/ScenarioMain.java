package io.ballast.bench.scenario;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Command line of the scenario runner (bench/scenario.sh calls it):
 * {@code ScenarioMain [--only ballast,haproxy:leastconn,nginx:least_conn,...] [--no-oracle] [--lb-cpu 0]
 * [--ballast-jar PATH] [--scenarios DIR] [--results DIR] [scenario ...]}. A scenario is a file, or
 * a name looked up as {@code DIR/NAME.yaml}; none means every file in DIR. The oracle runs last
 * in every scenario unless the list names it already, {@code --no-oracle} is given or the
 * scenario says {@code oracle: false}. Prints each scenario's table and writes it, with a
 * per-second CSV per balancer (and one against the oracle), under a new time-stamped directory in
 * the results dir.
 * Exit status: 0 every run measured, 1 a run failed, 2 bad arguments. Runs the scenarios one after
 * the other on the main thread.
 */
public final class ScenarioMain {
    private ScenarioMain() {}

    public static void main(String[] args) throws Exception {
        List<String> only = List.of();
        boolean oracle = true;
        String lbCpu = "";
        Path jar = Path.of("server/target/ballast.jar");
        Path scenariosDir = Path.of("bench/scenarios");
        Path resultsRoot = Path.of("bench/results");
        List<String> names = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--only" -> only = List.of(value(args, ++i).split(","));
                case "--no-oracle" -> oracle = false;
                case "--lb-cpu" -> lbCpu = value(args, ++i);
                case "--ballast-jar" -> jar = Path.of(value(args, ++i));
                case "--scenarios" -> scenariosDir = Path.of(value(args, ++i));
                case "--results" -> resultsRoot = Path.of(value(args, ++i));
                default -> names.add(args[i]);
            }
        }
        List<Scenario> scenarios = new ArrayList<>();
        List<List<Balancer>> balancers = new ArrayList<>();
        try {
            scenarios.addAll(load(scenariosDir, names));
            for (Scenario s : scenarios) {
                balancers.add(balancers(s, only, jar, oracle));
            }
        } catch (IllegalArgumentException | IOException e) {
            System.err.println(e.getMessage());
            System.exit(2);
        }
        run(balancers, scenarios, lbCpu, resultsRoot);
    }

    /**
     * The balancers of one scenario: the command line's list, else the scenario's own, else
     * ballast, haproxy and nginx; then the oracle, last, unless the list has it, {@code oracle} is
     * false (--no-oracle) or the scenario says {@code oracle: false}.
     */
    static List<Balancer> balancers(Scenario s, List<String> only, Path jar, boolean oracle) {
        List<String> specs = !only.isEmpty() ? only
                : !s.balancers().isEmpty() ? s.balancers() : List.of("ballast", "haproxy", "nginx");
        List<Balancer> list = new ArrayList<>();
        for (String spec : specs) {
            list.add(Balancer.of(spec.trim(), jar));
        }
        // The reference, in the same run so that every ratio to it is same-run.
        if (oracle && s.oracle() && list.stream().noneMatch(b -> b.name().equals(Balancer.ORACLE))) {
            list.add(new OracleBalancer());
        }
        return list;
    }

    private static List<Scenario> load(Path scenariosDir, List<String> names) throws IOException {
        List<Path> files = new ArrayList<>();
        if (names.isEmpty()) {
            try (Stream<Path> s = Files.list(scenariosDir)) {
                s.filter(p -> p.toString().endsWith(".yaml")).sorted().forEach(files::add);
            }
        }
        for (String n : names) {
            Path p = Path.of(n);
            files.add(Files.isRegularFile(p) ? p : scenariosDir.resolve(n + ".yaml"));
        }
        List<Scenario> scenarios = new ArrayList<>();
        for (Path f : files) {
            if (!Files.isRegularFile(f)) {
                throw new IllegalArgumentException("scenario: '" + f + "' (expected: a YAML file, or the name of one in "
                        + scenariosDir + ")");
            }
            scenarios.add(Scenario.load(f));
        }
        return scenarios;
    }

    private static void run(List<List<Balancer>> balancers, List<Scenario> scenarios, String lbCpu, Path resultsRoot)
            throws IOException, InterruptedException {

        Path out = resultsRoot.resolve("scenario-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        Files.createDirectories(out);
        ScenarioRunner runner = new ScenarioRunner(lbCpu);
        StringBuilder summary = new StringBuilder("# Failover scenarios\n\n");
        boolean failed = false;
        for (int si = 0; si < scenarios.size(); si++) {
            Scenario scenario = scenarios.get(si);
            List<RunResult> runs = new ArrayList<>();
            for (Balancer b : balancers.get(si)) {
                System.err.printf("== %s / %s%n", scenario.name(), b.name());
                try {
                    RunResult r = runner.run(scenario, b, out.resolve(scenario.name() + "-" + b.name()));
                    Report.csv(scenario, r, out.resolve(scenario.name() + "-" + b.name() + ".csv"));
                    runs.add(r);
                } catch (IOException e) {
                    System.err.println("   failed: " + e.getMessage());
                    failed = true;
                }
            }
            if (Report.oracleRun(runs).isPresent()) {
                Report.oracleCsv(scenario, runs, out.resolve(scenario.name() + "-vs-oracle.csv"));
            }
            String md = Report.markdown(scenario, runs);
            Files.writeString(out.resolve(scenario.name() + ".md"), md);
            summary.append(md);
            System.out.print(md);
            System.out.flush();
        }
        Files.writeString(out.resolve("summary.md"), summary);
        System.err.println("results: " + out.toAbsolutePath());
        System.exit(failed ? 1 : 0);
    }

    private static String value(String[] args, int i) {
        if (i >= args.length) {
            System.err.println(args[i - 1] + ": missing value");
            System.exit(2);
        }
        return args[i];
    }
}
