package io.ballast.server.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code ballast version}: the version of ballast and of the JVM it runs on. */
@Command(name = "version", mixinStandardHelpOptions = true,
    description = "Print the ballast version and the Java runtime.")
public final class VersionCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    for (String line : new Provider().getVersion()) {
      spec.commandLine().getOut().println(line);
    }
    return 0;
  }

  /** The version lines, shared with {@code ballast --version}. */
  public static final class Provider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {
        "ballast " + version(),
        "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name")
            + ", " + System.getProperty("java.vendor") + ")"
      };
    }
  }

  /** The jar manifest's Implementation-Version, or "dev" when running from classes. */
  public static String version() {
    String v = VersionCommand.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }
}
