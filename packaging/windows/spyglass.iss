; Inno Setup script: the Windows installer of Spyglass, from the PyInstaller bundle.
;   iscc /DAppVersion=0.1.0 packaging\windows\spyglass.iss
; packaging\windows\build.ps1 builds the bundle (build\dist\spyglass) and runs this.
; Per-user install by default (no administrator rights needed); the wizard offers all users.

#ifndef AppVersion
  #error Pass the version: iscc /DAppVersion=X.Y.Z spyglass.iss
#endif
#define Root AddBackslash(SourcePath) + "..\.."
#define Bundle Root + "\build\dist\spyglass"

[Setup]
; The AppId identifies Spyglass to the uninstaller and to upgrades: never change it.
AppId={{C0338E03-A4D0-4A0E-8412-C535118E6F4B}
AppName=Spyglass
AppVersion={#AppVersion}
AppVerName=Spyglass {#AppVersion}
AppPublisher=The Spyglass developers
DefaultDirName={autopf}\Spyglass
DefaultGroupName=Spyglass
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir={#Root}\dist
OutputBaseFilename=spyglass-{#AppVersion}-windows-x86_64-setup
SetupIconFile={#Root}\resources\icons\spyglass.ico
UninstallDisplayIcon={app}\spyglass.exe
UninstallDisplayName=Spyglass
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "{#Bundle}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[InstallDelete]
; An upgrade replaces the bundle whole: files that a new version no longer ships must go.
Type: filesandordirs; Name: "{app}\_internal"

[Icons]
Name: "{autoprograms}\Spyglass"; Filename: "{app}\spyglass.exe"
Name: "{autodesktop}\Spyglass"; Filename: "{app}\spyglass.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\spyglass.exe"; Description: "{cm:LaunchProgram,Spyglass}"; Flags: nowait postinstall skipifsilent
