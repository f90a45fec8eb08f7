package io.ballast.server.config;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Loads the ballast YAML config file into a validated {@link BallastConfig}, or lists every
 * problem in it, each with the field path and the line and column:
 *
 * <pre>{@code
 * ConfigResult result = ConfigLoader.load(Path.of("ballast.yaml"));
 * result.warnings().forEach(w -> log.warn("{}", w));
 * BallastConfig config = result.orElseThrow(); // InvalidConfigException lists all errors
 * }</pre>
 *
 * <p>Loading is pure: it reads the file (and checks that the access log's directory exists) but
 * changes nothing, so a hot reload can load a new file and keep the running config when the
 * result is {@link ConfigResult.Invalid}. Thread-safe: every call is independent.
 */
public final class ConfigLoader {
  private ConfigLoader() {}

  /** Reads and validates {@code file}; errors name the file as given. */
  public static ConfigResult load(Path file) {
    String source = file.toString();
    String text;
    try {
      // Strict UTF-8: a stray Latin-1 byte is an error, not a silently replaced character.
      text = StandardCharsets.UTF_8.newDecoder()
          .decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file)))
          .toString();
    } catch (NoSuchFileException e) {
      return unreadable(source, "file not found");
    } catch (CharacterCodingException e) {
      return unreadable(source, "the file is not UTF-8 text");
    } catch (IOException e) {
      return unreadable(source, "cannot read the file: " + e);
    }
    return parse(text, source);
  }

  /** Validates YAML text; {@code sourceName} is what errors call the file. */
  public static ConfigResult parse(String yaml, String sourceName) {
    Problems problems = new Problems(sourceName);
    Optional<BallastConfig> config =
        YamlTreeReader.read(yaml, problems).flatMap(root -> new ConfigReader(problems).config(root));
    List<ConfigError> errors = problems.errors();
    if (errors.isEmpty() && config.isPresent()) {
      return new ConfigResult.Valid(config.get(), problems.warnings());
    }
    return new ConfigResult.Invalid(errors, problems.warnings());
  }

  private static ConfigResult unreadable(String source, String message) {
    return new ConfigResult.Invalid(List.of(new ConfigError(source, "", 1, 1, message)), List.of());
  }
}
