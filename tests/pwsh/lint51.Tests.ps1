# lint51.Tests.ps1: Pester 5 tests of the Windows PowerShell 5.1 lint (lint51/Test-SupctlPs51.ps1) on its samples.
#
# Each lint51/bad/*.ps1 opens with '# expect: <rule> <line>' lines: the lint must report exactly those findings.
# Each lint51/good/*.ps1 is 5.1-valid code that looks like the bad samples: the lint must report nothing.
Set-StrictMode -Version Latest

BeforeDiscovery {
  $samples = Join-Path $PSScriptRoot 'lint51'
  $bad = @(Get-ChildItem -LiteralPath (Join-Path $samples 'bad') -Filter '*.ps1' -File | Sort-Object Name | ForEach-Object { @{ Name = $_.Name } })
  $good = @(Get-ChildItem -LiteralPath (Join-Path $samples 'good') -Filter '*.ps1' -File | Sort-Object Name | ForEach-Object { @{ Name = $_.Name } })
}

BeforeAll {
  $script:Lint = Join-Path $PSScriptRoot 'lint51/Test-SupctlPs51.ps1'
  $script:Finding = '^(?<path>.+?):(?<line>\d+):(?<column>\d+): (?<rule>[a-z0-9]+(-[a-z0-9]+)*): (?<message>\S.*)$'
  $script:Summary = '^checked (?<files>\d+) files: (?<findings>\d+) findings$'

  # Runs the lint in this process (a pwsh start costs ~2 s; the exit codes are tested in child processes below),
  # from tests/pwsh so that the paths are relative, as a caller gives them.
  function Invoke-Lint([string[]]$Path) {
    Push-Location -LiteralPath $PSScriptRoot
    try {
      $lines = @(& $script:Lint -Path $Path)
      return [pscustomobject]@{ Lines = $lines; ExitCode = $LASTEXITCODE }
    } finally {
      Pop-Location
    }
  }

  # The '<rule> <line>' pairs a bad sample's '# expect:' lines list, sorted.
  function Get-Expectation([string]$file) {
    $text = [System.IO.File]::ReadAllText($file).TrimStart([char]0xFEFF)
    $expected = foreach ($line in $text -split "`r?`n") {
      if ($line -match '^# expect: (?<rule>\S+) (?<line>\d+)\s*$') { '{0} {1}' -f $Matches['rule'], $Matches['line'] }
    }
    return @($expected | Sort-Object)
  }

  # The '<rule> <line>' pairs of the lint's finding lines for one file, sorted; every line but the summary must
  # be a finding.
  function Get-Reported($lines, [string]$path) {
    $reported = foreach ($line in $lines | Select-Object -SkipLast 1) {
      if ($line -notmatch $script:Finding) { throw "not a finding line: $line" }
      if ($Matches['path'] -eq $path) { '{0} {1}' -f $Matches['rule'], $Matches['line'] }
    }
    return @($reported | Sort-Object)
  }

  # This pwsh again: a dotnet global tool runs as 'dotnet pwsh.dll'.
  $pwsh = [Environment]::ProcessPath
  $prefix = @()
  if ([System.IO.Path]::GetFileNameWithoutExtension($pwsh) -eq 'dotnet') { $prefix = @(Join-Path $PSHOME 'pwsh.dll') }
  # Two real processes (a pwsh start costs seconds), started first to run beside the rest: one with findings,
  # one with a missing path. 'the command line' below reads them.
  # Both ways 'pwsh -File' passes several paths: '-Path a b' (separate arguments) and '-Path a,b' (one string).
  $runs = @{ bad = @('lint51/bad', 'lint51/good'); missing = @('lint51/good,lint51/no-such-folder') }
  $script:Started = @{}
  foreach ($name in $runs.Keys) {
    $info = [System.Diagnostics.ProcessStartInfo]::new($pwsh)
    foreach ($a in $prefix + @('-NoProfile', '-NonInteractive', '-File', $script:Lint, '-Path') + $runs[$name]) { $info.ArgumentList.Add($a) }
    $info.WorkingDirectory = $PSScriptRoot
    $info.RedirectStandardOutput = $true
    $info.RedirectStandardError = $true
    $info.UseShellExecute = $false
    $process = [System.Diagnostics.Process]::Start($info)
    $script:Started[$name] = @{ Process = $process; Out = $process.StandardOutput.ReadToEndAsync(); Err = $process.StandardError.ReadToEndAsync() }
  }

  # One run a folder (each run sets the lint up again): the samples' tests read their lines from these.
  $script:BadRun = Invoke-Lint 'lint51/bad'
  $script:GoodRun = Invoke-Lint 'lint51/good'
}

Describe 'the bad samples' {
  It '<Name> yields exactly its expected findings' -ForEach $bad {
    $path = "lint51/bad/$Name"
    $expected = Get-Expectation (Join-Path $PSScriptRoot $path)
    $expected.Count | Should -BeGreaterThan 0 -Because "$Name must list its findings in '# expect: <rule> <line>' lines"
    $lines = @($script:BadRun.Lines | Where-Object { $_.StartsWith("${path}:") })
    (Get-Reported $script:BadRun.Lines $path) -join "`n" | Should -Be ($expected -join "`n") -Because ($lines -join "`n")
  }

  It 'exits 1 for them, after one summary line' {
    $script:BadRun.ExitCode | Should -Be 1
    $files = @(Get-ChildItem -LiteralPath (Join-Path $PSScriptRoot 'lint51/bad') -Filter '*.ps1').Count
    $script:BadRun.Lines[-1] | Should -Be ('checked {0} files: {1} findings' -f $files, ($script:BadRun.Lines.Count - 1))
  }

  It 'exits 1 for one bad file, and prints path:line:column: rule: message with the path as given' {
    $run = Invoke-Lint 'lint51/bad/ternary.ps1'
    $run.ExitCode | Should -Be 1
    $run.Lines[-1] | Should -Be 'checked 1 files: 1 findings'
    $run.Lines[0] | Should -Match $script:Finding
    $run.Lines[0] | Should -BeLike 'lint51/bad/ternary.ps1:3:20: ternary: *'
    $run.Lines[0] | Should -BeLike '*write if (a) { b } else { c }'
    $run.Lines[-1] | Should -Match $script:Summary
  }

  It 'gives every rule of the lint a bad sample' {
    # The rule names of the lint's table: its Rule = '<name>' entries.
    $rules = @([regex]::Matches([System.IO.File]::ReadAllText($script:Lint), "(?m)^\s*@\{ Rule = '([a-z0-9-]+)'") | ForEach-Object { $_.Groups[1].Value } | Sort-Object -Unique)
    $covered = @(Get-ChildItem -LiteralPath (Join-Path $PSScriptRoot 'lint51/bad') -Filter '*.ps1' | ForEach-Object { Get-Expectation $_.FullName } | ForEach-Object { ($_ -split ' ')[0] } | Sort-Object -Unique)
    $rules.Count | Should -BeGreaterThan 20
    @($rules | Where-Object { $covered -notcontains $_ }) | Should -BeNullOrEmpty
  }
}

Describe 'the good samples' {
  It '<Name> yields no finding' -ForEach $good {
    @($script:GoodRun.Lines | Where-Object { $_.StartsWith("lint51/good/${Name}:") }) | Should -BeNullOrEmpty
  }
}

Describe 'the command line' {
  BeforeAll {
    $script:Runs = @{}
    foreach ($name in $script:Started.Keys) {
      $s = $script:Started[$name]
      $s.Process.WaitForExit()
      $script:Runs[$name] = [pscustomobject]@{
        Lines = @($s.Out.Result -split "`r?`n" | Where-Object { $_ -ne '' }); Error = $s.Err.Result; ExitCode = $s.Process.ExitCode
      }
    }
    $script:BadCount = @(Get-ChildItem -LiteralPath (Join-Path $PSScriptRoot 'lint51/bad') -Filter '*.ps1').Count
    $script:GoodCount = @(Get-ChildItem -LiteralPath (Join-Path $PSScriptRoot 'lint51/good') -Filter '*.ps1').Count

    # The lint in this process with its stderr captured.
    function Invoke-LintCapturingError([string[]]$Path) {
      $captured = [System.IO.StringWriter]::new()
      $previous = [Console]::Error
      [Console]::SetError($captured)
      try { $run = Invoke-Lint $Path } finally { [Console]::SetError($previous) }
      $run | Add-Member -NotePropertyName Error -NotePropertyValue $captured.ToString() -PassThru
    }
  }

  It 'exits 1 with findings, each line path:line:column: rule: message, then the summary' {
    $run = $script:Runs.bad
    $run.ExitCode | Should -Be 1 -Because $run.Error
    $findings = @($run.Lines | Select-Object -SkipLast 1)
    $findings.Count | Should -BeGreaterThan 0
    foreach ($line in $findings) {
      $line | Should -Match $script:Finding
      $line | Should -BeLike 'lint51/bad/*'
    }
    $run.Lines[-1] | Should -Be ('checked {0} files: {1} findings' -f ($script:BadCount + $script:GoodCount), $findings.Count)
  }

  It 'exits 2 for a path that does not exist, and checks nothing' {
    $script:Runs.missing.ExitCode | Should -Be 2
    $script:Runs.missing.Lines | Should -BeNullOrEmpty
    $script:Runs.missing.Error | Should -Match 'does not exist'
  }

  It 'exits 0 without findings' {
    $script:GoodRun.ExitCode | Should -Be 0
    $script:GoodRun.Lines -join "`n" | Should -Be ('checked {0} files: 0 findings' -f $script:GoodCount)
  }

  It 'exits 2 for a folder without *.ps1, even beside a good one' {
    $empty = Join-Path $TestDrive 'empty'
    $null = New-Item -ItemType Directory -Path $empty
    Set-Content -LiteralPath (Join-Path $empty 'notes.txt') -Value 'not a script'
    $run = Invoke-LintCapturingError 'lint51/good', $empty
    $run.ExitCode | Should -Be 2
    $run.Lines | Should -BeNullOrEmpty
    $run.Error | Should -Match 'has no \*\.ps1 file'
  }
}
