package io.ballast.core.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The shape of core, checked on its compiled classes: its packages depend on each other without
 * a cycle (each package, the root one too, is a slice), and it does no I/O of its own.
 */
class CoreArchitectureTest {
  private static JavaClasses core;

  @BeforeAll
  static void importCore() {
    core = new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("io.ballast.core");
  }

  /** Every package of core is a slice of its own, the root package included. */
  private static final SliceAssignment BY_PACKAGE = new SliceAssignment() {
    @Override
    public SliceIdentifier getIdentifierOf(JavaClass javaClass) {
      String p = javaClass.getPackageName();
      return p.startsWith("io.ballast.core") ? SliceIdentifier.of(p) : SliceIdentifier.ignore();
    }

    @Override
    public String getDescription() {
      return "the packages of io.ballast.core";
    }
  };

  @Test
  void packagesHaveNoCycles() {
    slices().assignedFrom(BY_PACKAGE).should().beFreeOfCycles().check(core);
  }

  @Test
  void theRootPackageHoldsContractsThatBuildOnNothingButSignalData() {
    // Backend carries its own signals, a leaf package of values; the root needs nothing else.
    classes().that().resideInAPackage("io.ballast.core")
        .should().onlyDependOnClassesThat().resideInAnyPackage(
            "io.ballast.core", "io.ballast.core.signal", "java..")
        .because("the root package holds the contracts every other package builds on")
        .check(core);
    classes().that().resideInAPackage("io.ballast.core.signal")
        .should().onlyDependOnClassesThat().resideInAnyPackage("io.ballast.core.signal", "java..")
        .because("signal values are a leaf: the root package depends on them")
        .check(core);
  }

  @Test
  void coreDoesNoIoAndKnowsNoNetty() {
    noClasses().should().dependOnClassesThat().resideInAnyPackage(
            "io.netty..", "java.net..", "java.nio.channels..", "java.nio.file..", "java.io..")
        .because("core decides; the proxy and the simulator do the I/O")
        .check(core);
  }
}
