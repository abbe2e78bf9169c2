// electron-builder afterPack hook: flips Electron's fuses in the packaged binary so it cannot be used as
// a Node.js runtime or debugged/injected through CLI flags and env vars, only runs the app's own app.asar
// (integrity-checked where Electron supports that), and gives file:// no extra privileges. CommonJS because
// electron-builder require()s hooks.
const path = require('node:path');
const { flipFuses, FuseVersion, FuseV1Options } = require('@electron/fuses');

/**
 * Electron validates app.asar against the hash electron-builder embeds (Info.plist on macOS, a resource in
 * the .exe on Windows) only on these platforms; Linux has no such mechanism yet, so the fuse stays off there
 * rather than claiming a check that does not happen.
 */
const asarIntegrityPlatforms = new Set(['darwin', 'mas', 'win32']);

/**
 * The fuse settings for one platform; pure, so a unit test pins every value.
 * @param {string} platform electron-builder's electronPlatformName
 */
function labdeckFuses(platform) {
  return {
    [FuseV1Options.RunAsNode]: false,
    [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
    [FuseV1Options.EnableNodeCliInspectArguments]: false,
    [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: asarIntegrityPlatforms.has(platform),
    [FuseV1Options.OnlyLoadAppFromAsar]: true,
    [FuseV1Options.EnableCookieEncryption]: true,
    // The app is served from labdeck://app/; file:// pages must not get fetch/XHR to other files or the
    // service-worker and CORS exemptions Electron grants them by default.
    [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
  };
}

/** @param {import('electron-builder').AfterPackContext} context */
async function flipLabdeckFuses(context) {
  const { electronPlatformName, appOutDir, packager } = context;
  const name = packager.appInfo.productFilename;
  const executable = {
    darwin: path.join(appOutDir, `${name}.app`),
    mas: path.join(appOutDir, `${name}.app`),
    win32: path.join(appOutDir, `${name}.exe`),
    linux: path.join(appOutDir, packager.executableName),
  }[electronPlatformName];
  if (!executable) throw new Error(`fuses: unknown platform ${electronPlatformName}; add its executable path to electron/build/fuses.cjs`);

  await flipFuses(executable, {
    version: FuseVersion.V1,
    // macOS arm64 binaries must be re-signed after their bytes change; electron-builder signs later for
    // real releases, this keeps unsigned local builds runnable.
    resetAdHocDarwinSignature: electronPlatformName === 'darwin' && context.arch === 3 /* Arch.arm64 */,
    ...labdeckFuses(electronPlatformName),
  });
}

exports.default = flipLabdeckFuses;
exports.labdeckFuses = labdeckFuses;
