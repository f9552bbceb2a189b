// Starts `pmsite lsp` for Markdown files: lint and validate findings as you type, with quick fixes.
"use strict";

const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const settings = vscode.workspace.getConfiguration("pmsite");
  const [command, ...args] = settings.get("command", ["pmsite", "lsp"]);
  const serverOptions = { command, args, transport: TransportKind.stdio };
  const clientOptions = {
    documentSelector: [{ scheme: "file", language: "markdown" }],
    initializationOptions: { debounceMilliseconds: settings.get("debounceMilliseconds", 200) },
  };
  client = new LanguageClient("pmsite", "pmsite", serverOptions, clientOptions);
  context.subscriptions.push({ dispose: () => client && client.stop() });
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
