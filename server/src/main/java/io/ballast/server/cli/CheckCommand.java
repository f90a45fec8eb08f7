package io.ballast.server.cli;

import io.ballast.server.config.BallastConfig;
import io.ballast.server.config.ConfigLoader;
import io.ballast.server.config.ConfigResult;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ballast check -c FILE}: validate a configuration without starting anything. */
@Command(name = "check", mixinStandardHelpOptions = true,
    description = {"Validate a configuration file.",
        "Exit 0 when it is valid; 2 with every error listed (file:line:column: field: message)."})
public final class CheckCommand implements Callable<Integer> {
  @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE",
      description = "The YAML configuration file.")
  Path config;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    if (report(ConfigLoader.load(config), spec.commandLine().getErr()) == null) {
      return BallastCommand.EXIT_INVALID;
    }
    spec.commandLine().getOut().println(config + ": ok");
    return 0;
  }

  /** Prints the warnings and errors; returns the configuration, or null when it is invalid. */
  static BallastConfig report(ConfigResult result, PrintWriter err) {
    result.warnings().forEach(w -> err.println("warning: " + w));
    BallastConfig config = null;
    if (result instanceof ConfigResult.Invalid invalid) {
      invalid.errors().forEach(e -> err.println("error: " + e));
      int n = invalid.errors().size();
      err.println(n + (n == 1 ? " error" : " errors"));
    } else {
      config = ((ConfigResult.Valid) result).config();
    }
    err.flush();
    return config;
  }
}
