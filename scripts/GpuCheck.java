import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.discovery.ClassNameFilter;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TagFilter;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

import java.io.PrintWriter;

/**
 * Runs the {@code gpu}-tagged tests (classes named *GpuTest) from a plain classpath, for scripts/gpu-check.sh on the GPU
 * machine, which has neither Maven nor a JDK (only the carried jlink runtime). Prints one line per test and the
 * summary; exits 1 when a test failed or none ran.
 */
public final class GpuCheck {
    public static void main(String[] args) {
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
                .selectors(DiscoverySelectors.selectPackage("dev.tangent"))
                .filters(ClassNameFilter.includeClassNamePatterns(".*GpuTest"), TagFilter.includeTags("gpu"))
                .build();
        Launcher launcher = LauncherFactory.create();
        SummaryGeneratingListener summary = new SummaryGeneratingListener();
        TestExecutionListener lines = new TestExecutionListener() {
            @Override
            public void executionSkipped(TestIdentifier t, String reason) {
                System.out.println("SKIPPED " + t.getDisplayName() + ": " + reason);
            }

            @Override
            public void executionFinished(TestIdentifier t, TestExecutionResult r) {
                if (t.isTest()) {
                    System.out.println(r.getStatus() + " " + t.getUniqueId() + r.getThrowable().map(e -> ": " + e).orElse(""));
                }
            }
        };
        launcher.execute(request, summary, lines);
        TestExecutionSummary s = summary.getSummary();
        PrintWriter out = new PrintWriter(System.out, true);
        s.printTo(out);
        s.printFailuresTo(out, 30);
        out.flush();
        System.exit(s.getTotalFailureCount() > 0 || s.getTestsSucceededCount() == 0 ? 1 : 0);
    }
}
