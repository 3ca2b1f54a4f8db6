# Build Spyglass for Windows: the PyInstaller bundle, its self-check, and the Inno Setup installer
# dist\spyglass-VERSION-windows-x86_64-setup.exe. Run from anywhere:
#   powershell -ExecutionPolicy Bypass -File packaging\windows\build.ps1
# Needs Python 3.11+ as `python` and Inno Setup 6 (iscc.exe on PATH or in its default folder);
# GitHub's Windows runners have both.
$ErrorActionPreference = "Stop"
Set-Location (Join-Path $PSScriptRoot "..\..")

function Invoke-Checked {
    # Run a program; stop when it fails (PowerShell does not, for programs).
    & $args[0] @($args | Select-Object -Skip 1)
    if ($LASTEXITCODE -ne 0) { throw "$($args[0]) failed with exit code $LASTEXITCODE" }
}

$python = if ($env:PYTHON) { $env:PYTHON } else { "python" }
$version = & $python -c "import tomllib; print(tomllib.load(open('pyproject.toml', 'rb'))['project']['version'])"

# Spyglass's dependencies and PyInstaller in build\venv; the code comes from this tree.
if (-not (Test-Path build\venv\Scripts\python.exe)) { Invoke-Checked $python -m venv build\venv }
$venv = "build\venv\Scripts\python.exe"
$deps = & $venv -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))"
$pipInstall = @("-m", "pip", "install", "-q") + @($deps | Where-Object { $_ }) + @("pyinstaller>=6.10,<7", "certifi")
Invoke-Checked $venv -m pip install -q --upgrade pip
Invoke-Checked $venv @pipInstall

Invoke-Checked build\venv\Scripts\pyinstaller.exe --noconfirm --log-level WARN `
    --distpath build\dist --workpath build\pyinstaller packaging\spyglass.spec

# spyglass.exe is a GUI program: Start-Process waits for it and hands it files for its output.
$env:QT_QPA_PLATFORM = "offscreen"
$check = Start-Process -FilePath build\dist\spyglass\spyglass.exe -ArgumentList "--self-check" `
    -Wait -PassThru -NoNewWindow `
    -RedirectStandardOutput build\self-check.txt -RedirectStandardError build\self-check-errors.txt
Remove-Item Env:QT_QPA_PLATFORM
Get-Content build\self-check.txt, build\self-check-errors.txt
if ($check.ExitCode -ne 0) { throw "spyglass.exe --self-check failed ($($check.ExitCode))" }

$iscc = (Get-Command iscc.exe -ErrorAction SilentlyContinue).Source
if (-not $iscc) { $iscc = "${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe" }
New-Item -ItemType Directory -Force dist | Out-Null
Invoke-Checked $iscc /Q "/DAppVersion=$version" packaging\windows\spyglass.iss
Get-ChildItem dist\*.exe | ForEach-Object { "{0}  {1:N1} MB" -f $_.Name, ($_.Length / 1MB) }
