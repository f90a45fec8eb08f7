package io.ballast.server.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The top-level {@code ballast} command; the work is in its subcommands. */
@Command(
    name = "ballast",
    mixinStandardHelpOptions = true,
    versionProvider = VersionCommand.Provider.class,
    description = "A load balancer that decides for itself.",
    subcommands = {
      RunCommand.class,
      CheckCommand.class,
      DemoCommand.class,
      SimulateCommand.class,
      VersionCommand.class,
      CommandLine.HelpCommand.class
    })
public final class BallastCommand implements Runnable {
  /** Exit code for an invalid configuration or bad usage. */
  public static final int EXIT_INVALID = 2;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  public static CommandLine commandLine() {
    // picocli's exit code for bad usage is already 2 (ExitCode.USAGE), the same as EXIT_INVALID.
    return new CommandLine(new BallastCommand());
  }
}
