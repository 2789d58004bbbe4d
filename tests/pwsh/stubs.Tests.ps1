# Pester tests of the stub-module generator: PowerShell's own binder, given the generated stubs, rejects what the real cmdlets reject.

BeforeAll {
    $script:Generator = Join-Path $PSScriptRoot 'stubs/New-SupctlStubModule.ps1'
    $script:Reference = if ($env:SUPCTL_CMDLET_REFERENCE) { $env:SUPCTL_CMDLET_REFERENCE } else {
        [System.IO.Path]::GetFullPath((Join-Path $PSScriptRoot '../../../shared/reference/cmdlets'))
    }
    $script:Modules = [ordered]@{
        ConfigurationManager  = 'ConfigurationManager.json'
        UpdateServices        = 'UpdateServices.json'
        SupctlWindowsBuiltins = 'windows-builtin.json'
    }
    $script:StubDir = Join-Path $TestDrive 'stubs'
    & $Generator -Reference $Reference -OutDir $StubDir

    $global:SupctlEstateCalls = [System.Collections.Generic.List[object]]::new()
    function global:Invoke-SupctlEstateCmdlet {
        param([string]$Module, [string]$Name, [string]$ParameterSetName, [System.Collections.IDictionary]$Bound)
        # a copy: the binder refills the same dictionary for the next pipeline item
        $global:SupctlEstateCalls.Add([pscustomobject]@{
                Module           = $Module
                Name             = $Name
                ParameterSetName = $ParameterSetName
                Bound            = [hashtable]::new($Bound, [System.StringComparer]::OrdinalIgnoreCase)
            })
    }
    foreach ($module in $Modules.Keys) { Import-Module (Join-Path $StubDir "$module/$module.psd1") -Force }

    # Runs a call that must fail in binding and returns the error, having checked that the model never saw it.
    function Get-BindingError([scriptblock]$Call) {
        $global:SupctlEstateCalls.Clear()
        $record = $Call | Should -Throw -PassThru
        $global:SupctlEstateCalls.Count | Should -Be 0 -Because 'a call the binder rejects must not reach the model'
        $record
    }

    # Runs a call that must bind and returns what the model received, one entry per process block.
    function Get-ModelCall([scriptblock]$Call) {
        $global:SupctlEstateCalls.Clear()
        & $Call
        , $global:SupctlEstateCalls.ToArray()
    }
}

AfterAll {
    Remove-Module @($Modules.Keys) -Force
    Remove-Item function:global:Invoke-SupctlEstateCmdlet
    Remove-Variable -Name SupctlEstateCalls -Scope Global
}

Describe 'the binder rejects what the real cmdlet rejects' {
    It 'rejects a misspelled parameter' {
        # not -AddProducts: the reference lists it as an alias of -AddProduct (see the alias test below)
        $record = Get-BindingError { Set-CMSoftwareUpdatePointComponent -SiteCode P01 -AddUpdateClassifications 'Critical Updates' }
        $record.FullyQualifiedErrorId | Should -BeExactly 'NamedParameterNotFound,Set-CMSoftwareUpdatePointComponent'
        $record.Exception | Should -BeOfType System.Management.Automation.ParameterBindingException
    }

    It 'rejects -WhatIf on a cmdlet without ShouldProcess' {
        $record = Get-BindingError { Get-CMSoftwareUpdatePoint -SiteCode P01 -WhatIf }
        $record.FullyQualifiedErrorId | Should -BeExactly 'NamedParameterNotFound,Get-CMSoftwareUpdatePoint'
    }

    It 'rejects a missing mandatory parameter under -NonInteractive' {
        # a child process, because an interactive session would prompt for the value instead
        $pwsh = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')
        $output = @(& $pwsh -NoProfile -NonInteractive -Command {
            param($Manifest)
            function global:Invoke-SupctlEstateCmdlet { 'reached the model' }
            Import-Module $Manifest
            try { Add-CMSoftwareUpdatePoint -SiteCode P01 -WsusIisPort 8530 }
            catch { $_.FullyQualifiedErrorId; $_.Exception.GetType().FullName; $_.Exception.Message }
        } -args (Join-Path $StubDir 'ConfigurationManager/ConfigurationManager.psd1'))
        $output[0] | Should -BeExactly 'MissingMandatoryParameter,Add-CMSoftwareUpdatePoint'
        $output[1] | Should -BeExactly 'System.Management.Automation.ParameterBindingException'
        $output[2] | Should -Match 'SiteSystemServerName'
    }

    It 'rejects a call that fits several parameter sets' {
        # an update but no group: ByName_Id, ByName_Name and ByName_Object all remain
        $record = Get-BindingError { Add-CMSoftwareUpdateToGroup -SoftwareUpdateName 'KB5005565' }
        $record.FullyQualifiedErrorId | Should -BeExactly 'AmbiguousParameterSet,Add-CMSoftwareUpdateToGroup'
        $record.Exception | Should -BeOfType System.Management.Automation.ParameterBindingException
    }

    It 'rejects an empty array where the cmdlet validates NotNullOrEmpty' {
        $record = Get-BindingError { Set-CMSoftwareUpdatePointComponent -SiteCode P01 -AddProduct @() }
        $record.FullyQualifiedErrorId | Should -BeExactly 'ParameterArgumentValidationError,Set-CMSoftwareUpdatePointComponent'
        # the exception type is internal to PowerShell, so it is named rather than matched with -BeOfType
        $record.Exception.GetType().FullName | Should -BeExactly 'System.Management.Automation.ParameterBindingValidationException'
    }

    It 'rejects a value outside a ValidateSet' -ForEach @(
        @{ Call = { Set-CMSoftwareUpdatePointComponent -SiteCode P01 -ContentFileOption Express }; Cmdlet = 'Set-CMSoftwareUpdatePointComponent' }
        @{ Call = { Set-Service -Name WsusService -Status Started }; Cmdlet = 'Set-Service' }
    ) {
        $record = Get-BindingError $Call
        $record.FullyQualifiedErrorId | Should -BeExactly "ParameterArgumentValidationError,$Cmdlet"
        # the exception type is internal to PowerShell, so it is named rather than matched with -BeOfType
        $record.Exception.GetType().FullName | Should -BeExactly 'System.Management.Automation.ParameterBindingValidationException'
    }

    It 'rejects a value outside a ValidateRange' {
        $record = Get-BindingError { Set-CMSoftwareUpdatePointComponent -SiteCode P01 -WaitMonth 100 }
        $record.FullyQualifiedErrorId | Should -BeExactly 'ParameterArgumentValidationError,Set-CMSoftwareUpdatePointComponent'
    }

    It 'rejects a registry value kind that does not exist' {
        $record = Get-BindingError { Set-ItemProperty -Path 'HKLM:\SOFTWARE\Policies\Microsoft\Windows\WindowsUpdate' -Name WUServer -Value x -Type Sting }
        $record.FullyQualifiedErrorId | Should -BeExactly 'ParameterArgumentTransformationError,Set-ItemProperty'
    }
}

Describe 'a call that binds reaches the model' {
    It 'passes module, cmdlet, resolved parameter set and bound parameters' {
        $calls = Get-ModelCall { Add-CMSoftwareUpdatePoint -SiteCode P01 -SiteSystemServerName sup01.contoso.com -WsusIisPort 8530 }
        $calls.Count | Should -Be 1
        $calls[0].Module | Should -BeExactly 'ConfigurationManager'
        $calls[0].Name | Should -BeExactly 'Add-CMSoftwareUpdatePoint'
        $calls[0].ParameterSetName | Should -BeExactly 'SumPWithWsus'
        @($calls[0].Bound.Keys | Sort-Object) | Should -Be @('SiteCode', 'SiteSystemServerName', 'WsusIisPort')
        $calls[0].Bound.SiteSystemServerName | Should -BeExactly 'sup01.contoso.com'
        $calls[0].Bound.WsusIisPort | Should -Be 8530
    }

    It 'binds parameter aliases under the real parameter name' {
        $calls = Get-ModelCall {
            Set-CMSoftwareUpdatePointComponent -SiteCode P01 -AddProducts 'Windows Server 2022'
            Add-CMSoftwareUpdatePoint -SiteCode P01 -ServerName sup01.contoso.com
            Get-Service -ServiceName WsusService
        }
        $calls.Count | Should -Be 3
        $calls[0].Bound.AddProduct | Should -Be @('Windows Server 2022')
        $calls[1].Bound.SiteSystemServerName | Should -BeExactly 'sup01.contoso.com'
        $calls[2].Module | Should -BeExactly 'Microsoft.PowerShell.Management'
        $calls[2].Bound.Name | Should -Be @('WsusService')
    }

    It 'runs a command alias as the cmdlet it names' {
        $calls = Get-ModelCall { Get-CMSoftwareUpdateAutoDeploymentRuleDeployment -AutoDeploymentName 'Patch Tuesday' }
        $calls[0].Name | Should -BeExactly 'Get-CMAutoDeploymentRuleDeployment'
        $calls[0].ParameterSetName | Should -BeExactly 'ByName'
        $calls[0].Bound.Name | Should -BeExactly 'Patch Tuesday'
    }

    It 'hands pipeline input to the model one item at a time' {
        $calls = Get-ModelCall { 'wsus1.contoso.com', 'wsus2.contoso.com' | Get-WsusServer -PortNumber 8530 }
        $calls.Count | Should -Be 2
        $calls.ParameterSetName | Should -Be @('ServerSpecified', 'ServerSpecified')
        $calls.ForEach({ $_.Bound.Name }) | Should -Be @('wsus1.contoso.com', 'wsus2.contoso.com')
    }

    It 'takes -WhatIf where the real cmdlet supports ShouldProcess' {
        $calls = Get-ModelCall { Set-CMSoftwareUpdatePointComponent -SiteCode P01 -EnableSyncFailureAlert $true -WhatIf }
        $calls[0].Bound.WhatIf | Should -BeTrue
    }

    It 'does not demand a provider''s mandatory dynamic parameter (New-Item -ConnectionURI) on other paths' {
        $calls = Get-ModelCall { New-Item -Path 'HKLM:\SOFTWARE\Policies\Microsoft\Windows\WindowsUpdate' -Force }
        $calls[0].Module | Should -BeExactly 'Microsoft.PowerShell.Management'
        $calls[0].ParameterSetName | Should -BeExactly 'pathSet'
    }

    It 'types a parameter changed by hand after generation as the module had it (Set-CMSiteSystemServer -ProxyAccessAccount)' {
        (Get-Command Set-CMSiteSystemServer).Parameters['ProxyAccessAccount'].ParameterType | Should -Be ([object])
        $account = [pscustomobject]@{ UserName = 'CONTOSO\svc-proxy'; SiteCode = 'CAS' }
        $calls = Get-ModelCall { Set-CMSiteSystemServer -SiteCode CAS -SiteSystemServerName sup01.contoso.com -ProxyAccessAccount $account }
        $calls[0].Bound['ProxyAccessAccount'].UserName | Should -Be 'CONTOSO\svc-proxy'
    }

    It 'takes -UseTransaction where Windows PowerShell 5.1 does' {
        $calls = Get-ModelCall { Set-ItemProperty -Path 'HKLM:\SOFTWARE\Policies\Microsoft\Windows\WindowsUpdate' -Name WUServer -Value 'http://sup01:8530' -Type String -UseTransaction }
        $calls[0].ParameterSetName | Should -BeExactly 'propertyValuePathSet'
        $calls[0].Bound.UseTransaction | Should -BeTrue
    }
}

Describe 'the modules match the reference' {
    BeforeAll {
        $script:Documents = @{}
        foreach ($module in $Modules.Keys) {
            $Documents[$module] = [System.IO.File]::ReadAllText((Join-Path $Reference $Modules[$module])) | ConvertFrom-Json -AsHashtable
        }
        $script:CommonParameters = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters

        # The set entries of a parameter as the binder sees them, and as the reference lists them; for
        # the message when they differ.
        function Format-DeclaredSet($Metadata) {
            @(foreach ($set in $Metadata.ParameterSets.GetEnumerator()) {
                    $position = if ($set.Value.Position -eq [int]::MinValue) { 'none' } else { $set.Value.Position }
                    "$($set.Key) mandatory=$($set.Value.IsMandatory) position=$position pipeline=$($set.Value.ValueFromPipeline)/$($set.Value.ValueFromPipelineByPropertyName)/$($set.Value.ValueFromRemainingArguments)"
                }) -join '; '
        }
        function Format-ListedSet($Parameter) {
            @(foreach ($set in $Parameter.sets) {
                    "$($set.name) mandatory=$($set.mandatory) position=$($set.position ?? 'none') pipeline=$($set.value_from_pipeline)/$([bool]$set['value_from_pipeline_by_property_name'])/$([bool]$set['value_from_remaining_arguments'])"
                }) -join '; '
        }
    }

    It 'exports one function per cmdlet and every command alias of <_>' -ForEach @('ConfigurationManager', 'UpdateServices', 'SupctlWindowsBuiltins') {
        $document = $Documents[$_]
        $functions = @(Get-Command -Module $_ -CommandType Function)
        $functions.Count | Should -Be $document.cmdlets.Count
        @($functions.Name | Sort-Object) | Should -Be @($document.cmdlets.Keys | Sort-Object)
        $aliases = @($document.cmdlets.Values.Where({ $_.Contains('command_aliases') }).ForEach({ $_.command_aliases }))
        @((Get-Command -Module $_ -CommandType Alias).Name | Sort-Object) | Should -Be @($aliases | Sort-Object)
    }

    It 'gives every function of <_> the parameter sets, mandatory flags, positions, pipeline flags and aliases of the reference' -ForEach @('ConfigurationManager', 'UpdateServices', 'SupctlWindowsBuiltins') {
        $module = $_
        $functions = @{}
        foreach ($function in Get-Command -Module $module -CommandType Function) { $functions[$function.Name] = $function }
        $differences = [System.Collections.Generic.List[string]]::new()
        foreach ($entry in $Documents[$module].cmdlets.GetEnumerator()) {
            $name = $entry.Key
            $cmdlet = $entry.Value
            $command = $functions[$name]
            $declaredSets = [System.Collections.Generic.HashSet[string]]::new([string[]]$command.ParameterSets.Name)
            if ($declaredSets.Count -ne $cmdlet.parameter_sets.Count -or -not $declaredSets.SetEquals([string[]]$cmdlet.parameter_sets)) {
                $differences.Add("${name}: sets $($command.ParameterSets.Name -join ',') instead of $($cmdlet.parameter_sets -join ',')")
            }
            $expectedDefault = $cmdlet.default_parameter_set ?? ''
            if (($command.DefaultParameterSet ?? '') -cne $expectedDefault) { $differences.Add("${name}: default set '$($command.DefaultParameterSet)' instead of '$expectedDefault'") }

            $declared = @($command.Parameters.Keys.Where({ $_ -notin $CommonParameters }))
            $listed = @($cmdlet.parameters.ForEach({ $_.name }))
            if (($declared -join ',') -cne ($listed -join ',')) { $differences.Add("${name}: parameters $($declared -join ',') instead of $($listed -join ',')") }
            if ($cmdlet.Contains('supports_transactions') -and $cmdlet.supports_transactions -and -not $command.Parameters.ContainsKey('UseTransaction')) {
                $differences.Add("${name}: no -UseTransaction")
            }

            foreach ($parameter in $cmdlet.parameters) {
                $metadata = $command.Parameters[$parameter.name]
                if (-not $metadata) { continue }
                if (($metadata.Aliases -join ',') -cne ($parameter.aliases -join ',')) { $differences.Add("$name -$($parameter.name): aliases $($metadata.Aliases -join ',') instead of $($parameter.aliases -join ',')") }
                # the generator's one deliberate change: a provider's dynamic parameter is never mandatory
                $mandatoryAllowed = -not $parameter.Contains('dynamic')
                $same = $metadata.ParameterSets.Count -eq $parameter.sets.Count
                foreach ($set in $parameter.sets) {
                    $declaredSet = $null
                    $same = $same -and $metadata.ParameterSets.TryGetValue($set.name, [ref]$declaredSet) -and
                        $declaredSet.IsMandatory -eq ($set.mandatory -and $mandatoryAllowed) -and
                        $declaredSet.Position -eq ($set.position ?? [int]::MinValue) -and
                        $declaredSet.ValueFromPipeline -eq $set.value_from_pipeline -and
                        $declaredSet.ValueFromPipelineByPropertyName -eq [bool]$set['value_from_pipeline_by_property_name'] -and
                        $declaredSet.ValueFromRemainingArguments -eq [bool]$set['value_from_remaining_arguments']
                }
                if (-not $same) { $differences.Add("$name -$($parameter.name): $(Format-DeclaredSet $metadata) instead of $(Format-ListedSet $parameter)") }
            }
        }
        $differences | Should -BeNullOrEmpty
    }

    It 'generates byte-identical files from the same reference' {
        $again = Join-Path $TestDrive 'again'
        & $Generator -Reference $Reference -OutDir $again
        $first = @(Get-ChildItem -Recurse -File $StubDir | ForEach-Object { [System.IO.Path]::GetRelativePath($StubDir, $_.FullName) + ' ' + (Get-FileHash $_.FullName).Hash } | Sort-Object)
        $second = @(Get-ChildItem -Recurse -File $again | ForEach-Object { [System.IO.Path]::GetRelativePath($again, $_.FullName) + ' ' + (Get-FileHash $_.FullName).Hash } | Sort-Object)
        $first.Count | Should -Be 6
        $second | Should -Be $first
    }
}

Describe 'the generator on unusual reference input' {
    BeforeAll {
        $script:Sample = [System.IO.File]::ReadAllText((Join-Path $Reference 'UpdateServices.json')) | ConvertFrom-Json -AsHashtable

        # Writes a reference folder whose only cmdlet is Get-WsusServer, changed by $Change, and returns its path.
        function New-SampleReference([string]$Case, [scriptblock]$Change) {
            $folder = Join-Path $TestDrive "cases/$Case"
            [void][System.IO.Directory]::CreateDirectory($folder)
            $cmdlet = $Sample.cmdlets['Get-WsusServer'] | ConvertTo-Json -Depth 20 | ConvertFrom-Json -AsHashtable
            & $Change $cmdlet
            $document = [ordered]@{ module = 'UpdateServices'; version = '2.0.0.0'; counts = @{ cmdlets = 1; parameters = $cmdlet.parameters.Count }; cmdlets = @{ 'Get-WsusServer' = $cmdlet } }
            [System.IO.File]::WriteAllText((Join-Path $folder 'UpdateServices.json'), ($document | ConvertTo-Json -Depth 20))
            foreach ($file in 'ConfigurationManager.json', 'windows-builtin.json') {
                [System.IO.File]::WriteAllText((Join-Path $folder $file), '{"module":"Empty","counts":{"cmdlets":0,"parameters":0},"cmdlets":{}}')
            }
            $folder
        }
    }

    It 'generates from an unchanged sample' {
        $folder = New-SampleReference 'unchanged' { }
        & $Generator -Reference $folder -OutDir (Join-Path $folder 'out')
        Join-Path $folder 'out/UpdateServices/UpdateServices.psm1' | Should -FileContentMatch '^function Get-WsusServer$'
    }

    It 'refuses <Case>' -ForEach @(
        @{ Case = 'an unknown parameter key'; Change = { param($c) $c.parameters[0]['other_attributes'] = @('Obsolete') }; Message = "*Get-WsusServer -Name: unknown key 'other_attributes'*" }
        @{ Case = 'an unknown set key'; Change = { param($c) $c.parameters[0].sets[0]['dont_show'] = $true }; Message = "*Get-WsusServer -Name: unknown key 'dont_show'*" }
        @{ Case = 'an unknown validation'; Change = { param($c) $c.parameters[0].validate['script'] = '$_ -ne 1' }; Message = "*Get-WsusServer -Name, validate: unknown key 'script'*" }
        @{ Case = 'an unknown cmdlet key'; Change = { param($c) $c['remoting_capability'] = 'None' }; Message = "*Get-WsusServer: unknown key 'remoting_capability'*" }
        @{ Case = 'an unknown type'; Change = { param($c) $c.parameters[0].type = 'Contoso.Widget' }; Message = "*Get-WsusServer -Name: unknown type 'Contoso.Widget'*" }
        @{ Case = 'a common parameter'; Change = { param($c) $c.parameters[0].name = 'Verbose' }; Message = "*Get-WsusServer -Verbose: 'Verbose' collides with a common parameter*" }
        @{ Case = 'an alias of a common parameter'; Change = { param($c) $c.parameters[0].aliases = @('ea') }; Message = "*Get-WsusServer -Name: 'ea' collides with a common parameter*" }
        @{ Case = 'a set the cmdlet does not list'; Change = { param($c) $c.parameters[0].sets[0].name = 'Elsewhere' }; Message = "*Get-WsusServer -Name: set 'Elsewhere' is not among*" }
        @{ Case = 'a set no parameter names'; Change = { param($c) $c.parameter_sets += 'Orphan' }; Message = "*Get-WsusServer: parameter_sets lists DefaultServer, ServerSpecified, Orphan but the parameters and the default set make*" }
        @{ Case = 'a set entry without a position'; Change = { param($c) $c.parameters[0].sets[0].Remove('position') }; Message = "*Get-WsusServer -Name: set 'ServerSpecified' needs*a position*" }
        @{ Case = 'a name the stub''s body reads'; Change = { param($c) $c.parameters[0].name = 'PSBoundParameters' }; Message = "*Get-WsusServer -PSBoundParameters: the name is taken by the stub's body*" }
        @{ Case = 'a parameter name that needs quoting'; Change = { param($c) $c.parameters[0].name = 'Name}' }; Message = "*Get-WsusServer -Name}: 'Name}' is not a plain parameter name*" }
    ) {
        $folder = New-SampleReference $Case $Change
        { & $Generator -Reference $folder -OutDir (Join-Path $folder 'out') } | Should -Throw -ExpectedMessage $Message
    }

    It 'quotes set names and values that hold quote characters' {
        # PowerShell reads the typographic quotes as quote characters too
        $oddSet = "Server'Specified$([char]0x2019)"
        $oddValue = "wsus$([char]0x2018)02$([char]0x2019)"
        $folder = New-SampleReference 'quotes' {
            param($c)
            $c.parameter_sets = @('DefaultServer', $oddSet)
            foreach ($parameter in $c.parameters) { $parameter.sets[0].name = $oddSet }
            $c.parameters[0].validate['set'] = @("wsus'01", $oddValue)
        }
        & $Generator -Reference $folder -OutDir (Join-Path $folder 'out')
        # defined in a scope of its own, so that the session's UpdateServices stays as it is
        $calls, $record = & {
            . ([scriptblock]::Create([System.IO.File]::ReadAllText((Join-Path $folder 'out/UpdateServices/UpdateServices.psm1'))))
            Get-ModelCall { Get-WsusServer -Name $oddValue -PortNumber 8530 }
            Get-BindingError { Get-WsusServer -Name 'wsus03' -PortNumber 8530 }
        }
        $calls[0].ParameterSetName | Should -BeExactly $oddSet
        $calls[0].Bound.Name | Should -BeExactly $oddValue
        $record.FullyQualifiedErrorId | Should -BeExactly 'ParameterArgumentValidationError,Get-WsusServer'
    }

    It 'exits non-zero, naming the cmdlet and parameter, when run as a script' {
        $folder = New-SampleReference 'run as a script' { param($c) $c.parameters[0].type = 'Contoso.Widget' }
        $pwsh = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')
        $output = & $pwsh -NoProfile -NonInteractive -File $Generator -Reference $folder -OutDir (Join-Path $folder 'out') 2>&1
        $LASTEXITCODE | Should -Not -Be 0
        ($output | Out-String) | Should -Match "Get-WsusServer -Name: unknown type 'Contoso\.Widget'"
    }
}
