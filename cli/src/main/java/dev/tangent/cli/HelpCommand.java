package dev.tangent.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.util.Map;

/** {@code tangent help [COMMAND [SUBCOMMAND]]}: the help of a command at any depth, e.g. {@code tangent help data export}. */
@Command(name = "help", helpCommand = true, header = "Show the help of a command, e.g. tangent help data export.",
        description = "Show the help of the command named by the arguments (tangent's own without any).")
final class HelpCommand implements CommandLine.IHelpCommandInitializable2, Runnable {
    @Parameters(paramLabel = "COMMAND", arity = "0..*", description = "The command, e.g. data export.")
    String[] path = new String[0];

    private CommandLine self;
    private PrintWriter out;
    private CommandLine.Help.Ansi ansi;

    @Override
    public void init(CommandLine helpCommandLine, CommandLine.Help.ColorScheme colorScheme, PrintWriter out, PrintWriter err) {
        this.self = helpCommandLine;
        this.out = out;
        this.ansi = colorScheme.ansi();
    }

    @Override
    public void run() {
        CommandLine c = self.getParent();
        for (String name : path) {
            Map<String, CommandLine> subs = c.getSubcommands();
            CommandLine next = subs.get(name);
            if (next == null) {
                String near = Suggest.nearest(name, subs.keySet());
                throw new CommandLine.ParameterException(self, "unknown command '" + name + "'"
                        + (near != null ? "; did you mean " + near + "?" : subs.isEmpty() ? ": " + c.getCommandSpec().qualifiedName(" ")
                        + " has no subcommands" : "; expected one of " + String.join(", ", subs.keySet())));
            }
            c = next;
        }
        c.usage(out, ansi);
        out.flush();
    }
}
