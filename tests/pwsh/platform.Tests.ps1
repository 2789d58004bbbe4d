# The seams of platform.ps1 as they run on a server, where no estate defines them first: the parts
# that PowerShell 7 on Linux can run (native programs, the guard).
BeforeAll {
    $script:Platform = Join-Path $PSScriptRoot '..' '..' 'engine' 'backends' 'powershell' 'powershell' 'platform.ps1'
    $script:Program = Join-Path $TestDrive 'native.sh'
    Set-Content -LiteralPath $script:Program -Value "#!/bin/sh`necho out line`necho 'err line' >&2`nexit 3`n"
    chmod +x $script:Program
}

Describe 'the seams where nothing defines them first' {
    BeforeAll { . $script:Platform }

    It 'defines every seam' {
        foreach ($name in 'Open-SupctlRegistryBaseKey', 'Invoke-SupctlNative', 'Get-SupctlLocalGroupMember', 'Get-SupctlService',
            'Get-SupctlWebConfigurationProperty', 'Set-SupctlWebConfigurationProperty') {
            Get-Command -Name $name -CommandType Function | Should -Not -BeNullOrEmpty -Because $name
        }
    }

    It 'runs a native program under Stop and returns its exit code with its stdout and stderr lines' {
        $ErrorActionPreference = 'Stop'
        $run = Invoke-SupctlNative $script:Program @()
        $run.ExitCode | Should -Be 3
        $run.Output | Should -Contain 'out line'
        $run.Output | Should -Contain 'err line'
        $ErrorActionPreference | Should -Be 'Stop' -Because 'the preference is Continue inside the seam only'
    }

    It 'passes each argument as one, spaces and quotes included' {
        $echo = Join-Path $TestDrive 'args.sh'
        Set-Content -LiteralPath $echo -Value "#!/bin/sh`nfor a in `"`$@`"; do echo `"[`$a]`"; done`n"
        chmod +x $echo
        (Invoke-SupctlNative $echo @('CONTENT_DIR=D:\W S', "it's")).Output | Should -Be @('[CONTENT_DIR=D:\W S]', "[it's]")
    }
}

Describe 'the guard' {
    It 'leaves seams a session defined first as they are' {
        function Open-SupctlRegistryBaseKey { 'defined first' }
        . $script:Platform
        Open-SupctlRegistryBaseKey | Should -Be 'defined first'
        Get-Command -Name Invoke-SupctlNative -CommandType Function -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }
}
