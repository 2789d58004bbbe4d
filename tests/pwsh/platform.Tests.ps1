# The seams of platform.ps1 as they run on a server, where no estate defines them first: the parts
# that PowerShell 7 on Linux can run (native programs, the remote call's packaging, the guard).
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
            'Get-SupctlWebConfigurationProperty', 'Set-SupctlWebConfigurationProperty', 'Invoke-SupctlOnComputer') {
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

    It 'sends the block to the other machine with the member reader defined there, its arguments, and Stop' {
        function Get-SupctlLocalGroupMember([string]$Group) { @{ Name = "reader for $Group"; Sid = 'S-1-5-32-544' } }
        # Stands in for WinRM: runs what would travel in a new runspace, arguments serialised as remoting does.
        function Invoke-Command {
            param([string]$ComputerName, $ErrorAction, [scriptblock]$ScriptBlock, [object[]]$ArgumentList)
            $script:Target = $ComputerName
            $shell = [powershell]::Create()
            try {
                $null = $shell.AddScript([string]$ScriptBlock)
                foreach ($argument in $ArgumentList) {
                    $null = $shell.AddArgument([System.Management.Automation.PSSerializer]::Deserialize([System.Management.Automation.PSSerializer]::Serialize($argument)))
                }
                $out = $shell.Invoke()
                if ($shell.HadErrors) { throw $shell.Streams.Error[0] }
                return $out
            } finally { $shell.Dispose() }
        }
        $found = Invoke-SupctlOnComputer 'sup01.contoso.com' {
            param([string]$member, [string[]]$groups)
            @{ member = $member; groups = $groups; read = (Get-SupctlLocalGroupMember $groups[0]).Name; stop = $ErrorActionPreference }
        } @('CONTOSO\svc', [string[]]@('Administrators', 'WSUS Administrators'))
        $script:Target | Should -Be 'sup01.contoso.com'
        $found.member | Should -Be 'CONTOSO\svc'
        $found.groups | Should -Be @('Administrators', 'WSUS Administrators')
        $found.read | Should -Be 'reader for Administrators'
        [string]$found.stop | Should -Be 'Stop'
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
