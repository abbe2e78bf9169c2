// electron-builder afterPack hook: flips Electron's fuses in the packaged binary so it cannot be used as
// a Node.js runtime or debugged/injected through CLI flags and env vars, and only runs the app's own,
// integrity-checked app.asar. CommonJS because electron-builder require()s hooks.
const path = require('node:path');
const { flipFuses, FuseVersion, FuseV1Options } = require('@electron/fuses');

/** @param {import('electron-builder').AfterPackContext} context */
exports.default = async function flipLabdeckFuses(context) {
  const { electronPlatformName, appOutDir, packager } = context;
  const name = packager.appInfo.productFilename;
  const executable = {
    darwin: path.join(appOutDir, `${name}.app`),
    mas: path.join(appOutDir, `${name}.app`),
    win32: path.join(appOutDir, `${name}.exe`),
    linux: path.join(appOutDir, packager.executableName),
  }[electronPlatformName];
  if (!executable) throw new Error(`fuses: unknown platform ${electronPlatformName}`);

  await flipFuses(executable, {
    version: FuseVersion.V1,
    // macOS arm64 binaries must be re-signed after their bytes change; electron-builder signs later for
    // real releases, this keeps unsigned local builds runnable.
    resetAdHocDarwinSignature: electronPlatformName === 'darwin' && context.arch === 3 /* Arch.arm64 */,
    [FuseV1Options.RunAsNode]: false,
    [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
    [FuseV1Options.EnableNodeCliInspectArguments]: false,
    [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
    [FuseV1Options.OnlyLoadAppFromAsar]: true,
    [FuseV1Options.EnableCookieEncryption]: true,
  });
};
