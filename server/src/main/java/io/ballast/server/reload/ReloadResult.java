package io.ballast.server.reload;

import io.ballast.server.config.ConfigError;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * What one reload did: applied the changes, found nothing to change, found the file invalid, or
 * refused what cannot apply live. In the last two cases the running config keeps serving
 * untouched. Immutable.
 */
public sealed interface ReloadResult {
  /** What started a reload. */
  enum Trigger {
    /** {@code POST /admin/reload}. */
    API,
    /** SIGHUP. */
    SIGNAL,
    /** The config file changed on disk. */
    FILE;

    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** The outcome label of the metrics and the JSON: applied, unchanged, invalid, refused. */
  String outcome();

  Trigger trigger();

  /** The admin API's answer: 200 applied or unchanged, 400 invalid, 409 refused. */
  int httpStatus();

  /** One line for the log and the admin API. */
  String message();

  /**
   * What changed and now serves.
   *
   * @param changes the listeners' route changes
   * @param sections everything else that changed ("pool api: backends", "listener web added",
   *     "timeouts", ...)
   */
  record Applied(Trigger trigger, RouteChanges changes, List<String> sections)
      implements ReloadResult {
    public Applied {
      Objects.requireNonNull(trigger, "trigger");
      Objects.requireNonNull(changes, "changes");
      sections = List.copyOf(sections);
    }

    @Override
    public String outcome() {
      return "applied";
    }

    @Override
    public int httpStatus() {
      return 200;
    }

    @Override
    public String message() {
      List<String> all = new java.util.ArrayList<>(sections);
      if (!changes.isEmpty()) {
        all.add(changes.describe());
      }
      return "config reloaded (" + trigger.label() + "): "
          + (all.isEmpty() ? "nothing that runs changed" : String.join("; ", all));
    }
  }

  /** The file says what already runs. */
  record Unchanged(Trigger trigger) implements ReloadResult {
    public Unchanged {
      Objects.requireNonNull(trigger, "trigger");
    }

    @Override
    public String outcome() {
      return "unchanged";
    }

    @Override
    public int httpStatus() {
      return 200;
    }

    @Override
    public String message() {
      return "config reload (" + trigger.label() + "): unchanged";
    }
  }

  /** The file cannot be used; {@code errors} has each error's field and line. */
  record Invalid(Trigger trigger, List<ConfigError> errors) implements ReloadResult {
    public Invalid {
      Objects.requireNonNull(trigger, "trigger");
      errors = List.copyOf(errors);
    }

    @Override
    public String outcome() {
      return "invalid";
    }

    @Override
    public int httpStatus() {
      return 400;
    }

    @Override
    public String message() {
      return "config reload (" + trigger.label() + "): " + errors.size()
          + (errors.size() == 1 ? " error" : " errors") + " in the file; the running config"
          + " keeps serving";
    }
  }

  /**
   * The file moves the admin listener, which only a restart does, or something in it cannot
   * apply (a listener's address is taken): nothing was applied.
   *
   * @param sections the changed sections' paths ({@code pools.api.backends}); empty when
   *     {@code reason} says why instead
   * @param reason why, when it is not a changed section
   */
  record Refused(Trigger trigger, List<String> sections, String reason) implements ReloadResult {
    public Refused {
      Objects.requireNonNull(trigger, "trigger");
      sections = List.copyOf(sections);
      Objects.requireNonNull(reason, "reason");
    }

    @Override
    public String outcome() {
      return "refused";
    }

    @Override
    public int httpStatus() {
      return 409;
    }

    @Override
    public String message() {
      return "config reload (" + trigger.label() + ") refused: " + reason + "; nothing applied";
    }
  }

  /**
   * The admin API's JSON body, for example
   * {@code {"outcome":"applied","trigger":"api","message":"...","listeners":[{"name":"web",
   * "added":["canary"],"removed":[],"changed":[],"reordered":false}]}}; an invalid file lists
   * {@code errors} (field, line, column, message), a refusal lists {@code restart} sections.
   */
  static byte[] json(ReloadResult r) {
    JsonMapper mapper = JsonMapper.builder().build();
    ObjectNode root = mapper.createObjectNode();
    root.put("outcome", r.outcome());
    root.put("trigger", r.trigger().label());
    root.put("message", r.message());
    if (r instanceof Applied a) {
      a.sections().forEach(root.putArray("changed")::add);
      ArrayNode listeners = root.putArray("listeners");
      for (RouteChanges.Listener l : a.changes().listeners()) {
        ObjectNode n = listeners.addObject();
        n.put("name", l.name());
        l.added().forEach(n.putArray("added")::add);
        l.removed().forEach(n.putArray("removed")::add);
        l.changed().forEach(n.putArray("changed")::add);
        n.put("reordered", l.reordered());
      }
    } else if (r instanceof Invalid i) {
      ArrayNode errors = root.putArray("errors");
      for (ConfigError e : i.errors()) {
        ObjectNode n = errors.addObject();
        n.put("field", e.path());
        n.put("line", e.line());
        n.put("column", e.column());
        n.put("message", e.message());
        n.put("text", e.toString());
      }
    } else if (r instanceof Refused f) {
      f.sections().forEach(root.putArray("restart")::add);
    }
    return mapper.writeValueAsBytes(root);
  }
}
