package dev.spindle.architecture;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;

/**
 * The dependency rules of docs/ARCHITECTURE.md, checked on the main code of every module (tests are left out:
 * a test may reach into internals). JPMS already stops a named module from using another's unexported packages
 * at compile time; these rules also hold for the modules on the class path (examples, perf) and for direction,
 * which Maven only guards between artifacts, not between the packages a module could grow.
 */
class ArchitectureTest {
    private static JavaClasses main;

    @BeforeAll
    static void importMainCode() {
        main = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.spindle");
    }

    /** The layers, bottom up: executor, io, tls; the test kits and the programs sit on top and nothing uses them. */
    @Test
    void dependenciesRunFromTlsToIoToTheExecutorNeverBack() {
        ArchRule layers = layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("Executor").definedBy("dev.spindle", "dev.spindle.time..", "dev.spindle.sync..",
                        "dev.spindle.spi..", "dev.spindle.diagnostics..", "dev.spindle.internal..")
                .layer("Io").definedBy("dev.spindle.io", "dev.spindle.io.internal..", "dev.spindle.net..")
                .layer("Tls").definedBy("dev.spindle.tls..")
                .layer("Micrometer").definedBy("dev.spindle.micrometer..")
                .layer("TestKits").definedBy("dev.spindle.testkit..", "dev.spindle.io.testkit..",
                        "dev.spindle.testing..")
                .layer("Programs").definedBy("dev.spindle.examples..", "dev.spindle.perf..")
                .whereLayer("Programs").mayNotBeAccessedByAnyLayer()
                .whereLayer("TestKits").mayNotBeAccessedByAnyLayer()
                .whereLayer("Micrometer").mayNotBeAccessedByAnyLayer()
                .whereLayer("Tls").mayOnlyBeAccessedByLayers("TestKits", "Programs")
                .whereLayer("Io").mayOnlyBeAccessedByLayers("Tls", "TestKits", "Programs")
                .whereLayer("Executor").mayOnlyBeAccessedByLayers("Io", "Tls", "Micrometer", "TestKits", "Programs");
        layers.check(main);
    }

    @Test
    void theExecutorsInternalsAreUsedOnlyByTheExecutor() {
        noClasses().that().resideOutsideOfPackages("dev.spindle", "dev.spindle.time..", "dev.spindle.sync..",
                        "dev.spindle.spi..", "dev.spindle.diagnostics..", "dev.spindle.internal..")
                .should().dependOnClassesThat().resideInAPackage("dev.spindle.internal..")
                .because("dev.spindle.internal is the executor's implementation, not exported by its module")
                .check(main);
    }

    @Test
    void theReactorIsUsedOnlyByTheIoModule() {
        noClasses().that().resideOutsideOfPackages("dev.spindle.io", "dev.spindle.io.internal..", "dev.spindle.net..")
                .should().dependOnClassesThat().resideInAPackage("dev.spindle.io.internal..")
                .because("dev.spindle.io.internal (the reactor) is not exported by the io module")
                .check(main);
    }

    @Test
    void tlsInternalsAreUsedOnlyByTheTlsModule() {
        noClasses().that().resideOutsideOfPackage("dev.spindle.tls..")
                .should().dependOnClassesThat().resideInAPackage("dev.spindle.tls.internal..")
                .because("dev.spindle.tls.internal is not exported by the tls module")
                .allowEmptyShould(true)
                .check(main);
    }
}
